package org.dtprobed.jail;

import org.dtprobed.dof.wire.ParsedDofCodec;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.dtprobed.dof.DofFormatException;
import org.dtprobed.dof.DofParser;
import org.dtprobed.dof.ParsedDof;
import org.dtprobed.testkit.Capability;
import org.dtprobed.testkit.Requires;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import java.util.concurrent.TimeUnit;

/** The production child as a real process under its real filter. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class JailedChildTest {
    private static ChildJars jars;

    @BeforeAll
    static void jars() throws Exception {
        jars = ChildJars.create();
    }

    @AfterAll
    static void cleanUp() throws Exception {
        jars.close();
    }

    @Test
    void everyThreadIsFilteredWithNoNewPrivsAndAnUnprivilegedUid() throws Exception {
        try (RunningChild child = RunningChild.start(jars.command(JailOptions.DEFAULT))) {
            ChildReady ready = child.ready();
            assertThat(ready.jailed()).isTrue();
            assertThat(ready.pid()).isEqualTo(child.pid());
            // the request path starts no thread of its own, but make the JVM do some work first
            assertThat(child.request(1, sample()).type()).isEqualTo(FrameType.PARSED);
            Map<String, Map<String, String>> threads = ProcStatus.threads(child.pid());
            assertThat(threads).hasSizeGreaterThan(5);
            threads.forEach((tid, status) -> {
                assertThat(status.get("Seccomp")).as("thread %s (%s)", tid, status.get("Name")).isEqualTo("2");
                assertThat(status.get("NoNewPrivs")).as("thread %s (%s)", tid, status.get("Name")).isEqualTo("1");
                if (Capability.root()) {
                    assertThat(status.get("Uid")).as("thread %s", tid).doesNotStartWith("0 ").isEqualTo("65534 65534 65534 65534");
                    assertThat(status.get("Gid").split(" ")[0]).as("thread %s", tid).isNotEqualTo("0");
                    assertThat(status.get("Groups")).as("thread %s", tid).isIn("", null);
                }
            });
            if (Capability.root()) {
                assertThat(ready.uid()).isEqualTo(65534);
            }
        }
    }

    @Test
    void parsesEveryCorpusBlobExactlyAsTheParserInProcess() throws Exception {
        DofParser parser = new DofParser();
        try (RunningChild child = RunningChild.start(jars.command(JailOptions.DEFAULT))) {
            child.ready();
            long id = 100;
            for (CorpusBlob blob : CorpusBlob.all()) {
                Frame reply = child.request(++id, new ParseRequest(blob.pid(), blob.helper(), blob.dof()));
                assertThat(reply.requestId()).isEqualTo(id);
                try {
                    ParsedDof expected = parser.parse(ByteBuffer.wrap(blob.dof()), blob.helper(), blob.pid());
                    assertThat(reply.type()).as(blob.name()).isEqualTo(FrameType.PARSED);
                    assertThat(ParsedDofCodec.decode(reply.bodyBuffer())).as(blob.name()).isEqualTo(expected);
                } catch (DofFormatException e) {
                    assertThat(reply.type()).as(blob.name()).isEqualTo(FrameType.REJECTED);
                    assertThat(Rejection.decode(reply.bodyBuffer())).isEqualTo(Rejection.of(e));
                }
            }
            Frame bad = child.request(++id, new ParseRequest(1, blob0().helper(), new byte[] {0x7F, 'D', 'O'}));
            assertThat(bad.type()).isEqualTo(FrameType.REJECTED);
            assertThat(Rejection.decode(bad.bodyBuffer()).errno()).isEqualTo(22);
            child.closeInput();
            assertThat(child.waitFor(30)).isEqualTo(JailedChild.EXIT_OK);
        }
    }

    @Test
    void bytesThatAreNotAFrameEndTheChildWithTheProtocolExitCode() throws Exception {
        try (RunningChild child = RunningChild.start(jars.command(JailOptions.DEFAULT))) {
            child.ready();
            child.writeRaw("GET / HTTP/1.0\r\n\r\n and more than a header's worth".getBytes(StandardCharsets.US_ASCII));
            assertThat(child.read()).isNull();
            assertThat(child.waitFor(30)).isEqualTo(JailedChild.EXIT_PROTOCOL);
            assertThat(child.stderr()).contains("frame at byte 0: magic is 0x20544547, expected 0x4a505444");
        }
    }

    @Test
    void aRequestCutShortEndsTheChildWithTheProtocolExitCode() throws Exception {
        try (RunningChild child = RunningChild.start(jars.command(JailOptions.DEFAULT))) {
            child.ready();
            byte[] header = FrameWriter.header(FrameType.PARSE_REQUEST, 7, 1000);
            child.writeRaw(header);
            child.writeRaw(new byte[10]);
            child.closeInput();
            assertThat(child.read()).isNull();
            assertThat(child.waitFor(30)).isEqualTo(JailedChild.EXIT_PROTOCOL);
            assertThat(child.stderr()).contains("stream ended inside a frame");
        }
    }

    @Test
    @Requires(Capability.ROOT) // the privilege drop only happens when started as root
    void anUnknownUserIsAFatalStartUpError() throws Exception {
        JailOptions options = new JailOptions(true, "no-such-user-dtprobed", null, 0, 0, false);
        try (RunningChild child = RunningChild.start(jars.command(options))) {
            assertThat(child.read()).isNull();
            assertThat(child.waitFor(30)).isEqualTo(JailedChild.EXIT_JAIL);
            assertThat(child.stderr()).contains("no such user 'no-such-user-dtprobed'").contains("refusing to parse DOF");
        }
    }

    @Test
    void anAddressSpaceLimitTooSmallForTheJvmKeepsTheChildFromServing() throws Exception {
        // the limit is set before the filter: a JVM that cannot live inside it must never say READY
        JailOptions options = new JailOptions(true, JailOptions.DEFAULT_USER, null, 64L << 20, 0, false);
        try (RunningChild child = RunningChild.start(jars.command(options))) {
            assertThat(child.read()).as("stderr:%n%s", child.stderr()).isNull();
            assertThat(child.waitFor(30)).isNotEqualTo(JailedChild.EXIT_OK);
            // the JVM's own "insufficient memory" report went to stderr, not between frames
            assertThat(child.stderr()).contains("insufficient memory");
        }
    }

    @Test
    void noJailIsAnnouncedLoudlyAndLeavesTheChildUnfiltered() throws Exception {
        JailOptions options = new JailOptions(false, JailOptions.DEFAULT_USER, null, 0, 0, false);
        try (RunningChild child = RunningChild.start(jars.command(options))) {
            assertThat(child.ready().jailed()).isFalse();
            assertThat(ProcStatus.threads(child.pid()).values()).allSatisfy(s -> assertThat(s.get("Seccomp")).isEqualTo("0"));
            child.closeInput();
            assertThat(child.waitFor(30)).isEqualTo(JailedChild.EXIT_OK);
            assertThat(child.stderr()).contains("WARN").contains("--no-jail given").contains("WITHOUT seccomp");
        }
    }

    static ParseRequest sample() {
        CorpusBlob b = blob0();
        return new ParseRequest(b.pid(), b.helper(), b.dof());
    }

    static CorpusBlob blob0() {
        return CorpusBlob.all().get(0);
    }
}
