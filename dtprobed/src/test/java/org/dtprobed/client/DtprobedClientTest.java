package org.dtprobed.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ConnectException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.dtprobed.protocol.ProbeEntry;
import org.dtprobed.query.ProbeIndex;
import org.dtprobed.protocol.Protocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client library against a real server: requests, errors, and watch ordering. */
class DtprobedClientTest {
    @TempDir
    Path tmp;

    @Test
    void listPidsStatsHealthRoundTrip() throws Exception {
        ProbeIndex ix = new ProbeIndex();
        List<ProbeEntry> reg = ServerFixture.registration(42, 0, 1, "shop:buy:start", "shop:buy:done");
        ix.add(reg);
        try (ServerFixture f = new ServerFixture(tmp, ix, Duration.ofSeconds(15));
             DtprobedClient c = DtprobedClient.connect(f.socket)) {
            assertThat(c.list("shop42:::", OptionalInt.empty())).containsExactly(reg.get(1), reg.get(0)); // by name
            assertThat(c.list("", OptionalInt.of(43))).isEmpty();
            assertThat(c.pids()).singleElement().satisfies(p -> assertThat(p.probes()).isEqualTo(2));
            assertThat(c.stats().path("probes").asInt()).isEqualTo(2);
            assertThat(c.health().ready()).isTrue();
            assertThat(c.supports(Protocol.OP_WATCH)).isTrue();
            assertThat(c.supports("teleport")).isFalse();
            assertThatThrownBy(() -> c.list("a:b:c:d:e", OptionalInt.empty())).isInstanceOf(DtprobedException.class)
                    .satisfies(e -> assertThat(((DtprobedException) e).code()).isEqualTo("bad_description"));
            assertThat(c.list("shop:::start", OptionalInt.empty())).hasSize(1); // still usable after an error
        }
    }

    @Test
    void noDaemonIsAConnectExceptionNamingThePath() {
        Path none = tmp.resolve("nobody-home.sock");
        assertThatThrownBy(() -> DtprobedClient.connect(none)).isInstanceOf(ConnectException.class)
                .hasMessageContaining(none.toString());
    }

    @Test
    void watchDeliversRegistrationsAndRemovalsInOrder() throws Exception {
        ProbeIndex ix = new ProbeIndex();
        ix.add(ServerFixture.registration(1, 0, 1, "early:f:n"));
        try (ServerFixture f = new ServerFixture(tmp, ix, Duration.ofMillis(200))) {
            BlockingQueue<Object> got = new ArrayBlockingQueue<>(1000);
            WatchStream w = DtprobedClient.connect(f.socket).watch(null, OptionalInt.empty(), true);
            Thread t = new Thread(() -> {
                try {
                    WatchEvent e;
                    while ((e = w.next()) != null) {
                        got.add(e);
                    }
                } catch (Exception e) {
                    got.add(e);
                }
            });
            t.start();
            WatchEvent replayed = (WatchEvent) got.poll(60, TimeUnit.SECONDS);
            assertThat(replayed.replay()).isTrue();
            assertThat(replayed.pid()).isEqualTo(1);
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                ix.add(ServerFixture.registration(1000 + i, 0, 1, "p:f:n" + i));
                expected.add("+" + (1000 + i));
                if (i % 3 == 0) {
                    ix.removeRegistration(1000 + i, 1);
                    expected.add("-" + (1000 + i));
                }
            }
            ix.removePid(1);
            expected.add("-1");
            List<String> seen = new ArrayList<>();
            long lastSeq = w.startSeq();
            while (seen.size() < expected.size()) {
                Object o = got.poll(60, TimeUnit.SECONDS);
                assertThat(o).as("event %d of %d", seen.size() + 1, expected.size()).isInstanceOf(WatchEvent.class);
                WatchEvent e = (WatchEvent) o;
                assertThat(e.seq()).isGreaterThan(lastSeq);
                lastSeq = e.seq();
                seen.add((e.registered() ? "+" : "-") + e.pid());
            }
            assertThat(seen).containsExactlyElementsOf(expected);
            w.close();
            t.join(60_000);
        }
    }

    @Test
    void watchFiltersByDescriptionAndReportsOnlyRemovalsOfWhatItShowed() throws Exception {
        ProbeIndex ix = new ProbeIndex();
        try (ServerFixture f = new ServerFixture(tmp, ix, Duration.ofMillis(100));
             WatchStream w = DtprobedClient.connect(f.socket).watch("wanted:::", OptionalInt.empty(), false)) {
            ix.add(ServerFixture.registration(10, 0, 1, "other:f:n"));
            ix.add(ServerFixture.registration(11, 0, 1, "wanted:f:n", "other:f:m"));
            ix.removeRegistration(10, 1);
            ix.removeRegistration(11, 1);
            WatchEvent first = w.next();
            assertThat(first.registered()).isTrue();
            assertThat(first.pid()).isEqualTo(11);
            assertThat(first.probes()).extracting(ProbeEntry::name).containsExactly("n");
            WatchEvent second = w.next();
            assertThat(second.registered()).isFalse();
            assertThat(second.pid()).isEqualTo(11);
            assertThat(second.probeCount()).isEqualTo(2);
        }
    }
}
