package org.dtprobed.parse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.dtprobed.dof.DofHeader;
import org.dtprobed.dof.DofHelper;
import org.dtprobed.dof.DofLimits;
import org.dtprobed.dof.DofParser;
import org.dtprobed.dof.ParsedDof;
import org.dtprobed.dof.DofRule;
import org.dtprobed.dof.ResultBudget;
import org.dtprobed.dof.write.SharedArgumentsDof;
import org.dtprobed.jail.CorpusBlob;
import org.dtprobed.jail.HookedJailMain;
import org.dtprobed.jail.ProcStatus;
import org.dtprobed.testkit.Await;
import org.dtprobed.testkit.Capability;
import org.dtprobed.testkit.Requires;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The supervisor with real jailed children, made to misbehave through the test-only hooks. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ParserSupervisorTest {
    private static SupervisorFixture fixture;
    private static CorpusBlob blob;

    @BeforeAll
    static void setUp() throws Exception {
        fixture = new SupervisorFixture();
        blob = CorpusBlob.all().get(1);
    }

    @AfterAll
    static void tearDown() throws Exception {
        fixture.close();
    }

    private static DofHelper hook(String module) {
        return new DofHelper(module, blob.helper().loadBase(), blob.helper().dofAddress());
    }

    @Test
    void parsesEveryCorpusBlobAsTheParserDoesInProcess() throws Exception {
        DofParser parser = new DofParser();
        try (ParserSupervisor s = ParserSupervisor.start(fixture.production().build())) {
            for (CorpusBlob b : CorpusBlob.all()) {
                ParseOutcome o = s.parse(b.helper(), b.dof(), b.pid());
                assertThat(o).as(b.name()).isEqualTo(new ParseOutcome.Parsed(
                        parser.parse(ByteBuffer.wrap(b.dof()), b.helper(), b.pid())));
            }
            ParseOutcome bad = s.parse(blob.helper(), new byte[] {0x7F, 'D', 'O', 'F'}, 42);
            assertThat(bad).isInstanceOfSatisfying(ParseOutcome.Rejected.class, r -> {
                assertThat(r.rule()).isEqualTo(DofRule.HEADER_TRUNCATED);
                assertThat(r.errno()).isEqualTo(22);
                assertThat(r.message()).contains("fewer than 64 bytes");
            });
            SupervisorStats st = s.stats();
            assertThat(st.parsed()).isEqualTo(CorpusBlob.all().size());
            assertThat(st.rejected()).isEqualTo(1);
            assertThat(st.failed()).isZero();
            assertThat(st.latency().count()).isEqualTo(st.parses());
            assertThat(st.childPids()).hasSize(1);
            assertThat(st.restarts()).isZero();
        }
    }

    @Test
    void theRunningChildIsJailedOnEveryThread() throws Exception {
        try (ParserSupervisor s = ParserSupervisor.start(fixture.production().build())) {
            long pid = s.stats().childPids().get(0);
            assertThat(ProcStatus.threads(pid).values()).allSatisfy(st -> {
                assertThat(st.get("Seccomp")).isEqualTo("2");
                assertThat(st.get("NoNewPrivs")).isEqualTo("1");
                if (Capability.root()) {
                    assertThat(st.get("Uid")).doesNotStartWith("0 ");
                }
            });
        }
    }

    @Test
    void aChildKilledInTheMiddleOfAParseIsReplacedAndTheParseAndTheNextOneSucceed() throws Exception {
        try (ParserSupervisor s = ParserSupervisor.start(fixture.hooked().build())) {
            long first = s.stats().childPids().get(0);
            // the first child holds this request until it dies; its replacement parses it
            CompletableFuture<ParseOutcome> held = s.submit(hook(HookedJailMain.HOLD + first), blob.dof(), 7);
            Await.until("the request is in the first child", () -> s.stats().inFlight() == 1);
            new ProcessBuilder("kill", "-KILL", Long.toString(first)).start().waitFor();
            assertThat(held.get(Await.LIVENESS.toSeconds(), TimeUnit.SECONDS)).isInstanceOf(ParseOutcome.Parsed.class);
            assertThat(s.parse(blob.helper(), blob.dof(), 8)).isInstanceOf(ParseOutcome.Parsed.class);
            SupervisorStats st = s.stats();
            assertThat(st.attemptFailures().get(FailureReason.CRASH)).isEqualTo(1);
            assertThat(st.restarts()).isEqualTo(1);
            assertThat(st.childPids()).hasSize(1).doesNotContain(first);
            assertThat(ProcessHandle.of(first).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        }
    }

    @Test
    void aHangingChildIsKilledAtTheDeadlineAndThreeFailuresGiveTheCallerTheReason() throws Exception {
        // the deadline is what is tested here; the good parse after it has the same short one
        SupervisorConfig c = fixture.hooked().parseTimeout(Duration.ofSeconds(3)).build();
        try (ParserSupervisor s = ParserSupervisor.start(c)) {
            long first = s.stats().childPids().get(0);
            ParseOutcome o = s.parse(hook(HookedJailMain.HANG), blob.dof(), 9);
            assertThat(o).isInstanceOfSatisfying(ParseOutcome.Failed.class, f -> {
                assertThat(f.reason()).isEqualTo(FailureReason.TIMEOUT);
                assertThat(f.errno()).isEqualTo(110);
                assertThat(f.attempts()).isEqualTo(3);
                assertThat(f.message()).contains("attempt 1: TIMEOUT").contains("attempt 3: TIMEOUT");
            });
            assertThat(ProcessHandle.of(first).map(ProcessHandle::isAlive).orElse(false)).isFalse();
            assertThat(s.parse(blob.helper(), blob.dof(), 10)).isInstanceOf(ParseOutcome.Parsed.class);
            SupervisorStats st = s.stats();
            assertThat(st.deadlineKills()).isEqualTo(3);
            assertThat(st.attemptFailures().get(FailureReason.TIMEOUT)).isEqualTo(3);
            assertThat(st.failed()).isEqualTo(1);
            assertThat(st.parsed()).isEqualTo(1);
            assertThat(st.restarts()).isGreaterThanOrEqualTo(3);
        }
    }

    @Test
    void crashGarbageAndFaultEachFailAfterThreeAttemptsWithTheirReason() throws Exception {
        try (ParserSupervisor s = ParserSupervisor.start(fixture.hooked().build())) {
            assertFailed(s.parse(hook(HookedJailMain.CRASH), blob.dof(), 11), FailureReason.CRASH, 5, "exit code 70");
            assertFailed(s.parse(hook(HookedJailMain.GARBAGE), blob.dof(), 12), FailureReason.PROTOCOL, 5,
                    "magic is 0x73696874");
            assertFailed(s.parse(hook(HookedJailMain.FAULT), blob.dof(), 13), FailureReason.CHILD_FAULT, 5,
                    "IllegalStateException: hook: fault requested");
            assertThat(s.parse(blob.helper(), blob.dof(), 14)).isInstanceOf(ParseOutcome.Parsed.class);
            assertThat(s.stats().restarts()).isGreaterThanOrEqualTo(9);
        }
    }

    private static void assertFailed(ParseOutcome o, FailureReason reason, int errno, String detail) {
        assertThat(o).isInstanceOfSatisfying(ParseOutcome.Failed.class, f -> {
            assertThat(f.reason()).isEqualTo(reason);
            assertThat(f.errno()).isEqualTo(errno);
            assertThat(f.attempts()).isEqualTo(3);
            assertThat(f.message()).contains(detail);
        });
    }

    /**
     * The caller of a failed attempt is not charged a JVM start while another child is ready: here
     * no replacement ever becomes ready (every start after the first two hangs), and the parse
     * still succeeds, on the other child.
     */
    @Test
    void aFailedAttemptGoesToAnotherReadyChildWithoutWaitingForItsReplacement(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        Path java = dir.resolve("java");
        Files.writeString(java, "#!/bin/sh\n"
                + "cd '" + dir + "'\n"
                + "n=$(( $(cat starts 2>/dev/null || echo 0) + 1 )); echo $n > starts\n"
                + "if [ $n -gt 2 ]; then echo $$ > hung; exec sleep 300; fi\n"
                + "exec '" + Path.of(System.getProperty("java.home"), "bin", "java") + "' \"$@\"\n");
        assertThat(java.toFile().setExecutable(true)).isTrue();
        try (ParserSupervisor s = ParserSupervisor.start(fixture.hooked().children(2).java(java).build())) {
            long first = s.stats().childPids().get(0); // the first ready child is lent first
            CompletableFuture<ParseOutcome> held = s.submit(hook(HookedJailMain.HOLD + first), blob.dof(), 90);
            Await.until("the request is in the first child", () -> s.stats().inFlight() == 1);
            new ProcessBuilder("kill", "-KILL", Long.toString(first)).start().waitFor();
            try {
                assertThat(held.get(Await.LIVENESS.toSeconds(), TimeUnit.SECONDS)).isInstanceOf(ParseOutcome.Parsed.class);
                SupervisorStats st = s.stats();
                assertThat(st.attemptFailures().get(FailureReason.CRASH)).isEqualTo(1);
                assertThat(st.restarts()).as("no replacement became ready").isZero();
                Await.until("the replacement's start hangs", () -> dir.resolve("hung").toFile().length() > 0);
                assertThat(count(dir.resolve("starts"))).isEqualTo(3);
                assertThat(s.stats().restarts()).isZero();
            } finally {
                if (Files.exists(dir.resolve("hung"))) {
                    new ProcessBuilder("kill", "-KILL", Files.readString(dir.resolve("hung")).strip()).start().waitFor();
                }
            }
        }
    }

    @Test
    void aFullQueueIsAnImmediateErrorNotAHang() throws Exception {
        try (ParserSupervisor s = ParserSupervisor.start(fixture.hooked().queueBound(1).build())) {
            long first = s.stats().childPids().get(0);
            CompletableFuture<ParseOutcome> busy = s.submit(hook(HookedJailMain.HOLD + first), blob.dof(), 20);
            Await.until("the only child holds a request", () -> s.stats().inFlight() == 1);
            CompletableFuture<ParseOutcome> queued = s.submit(blob.helper(), blob.dof(), 21);
            CompletableFuture<ParseOutcome> refused = s.submit(blob.helper(), blob.dof(), 22);
            assertThat(refused).isDone();
            assertThat(refused.join()).isInstanceOfSatisfying(ParseOutcome.Failed.class, f -> {
                assertThat(f.reason()).isEqualTo(FailureReason.QUEUE_FULL);
                assertThat(f.errno()).isEqualTo(16);
                assertThat(f.attempts()).isZero();
            });
            assertThat(queued).isNotDone();
            new ProcessBuilder("kill", "-KILL", Long.toString(first)).start().waitFor(); // let the held one go on
            assertThat(busy.get(Await.LIVENESS.toSeconds(), TimeUnit.SECONDS)).isInstanceOf(ParseOutcome.Parsed.class);
            assertThat(queued.get(Await.LIVENESS.toSeconds(), TimeUnit.SECONDS)).isInstanceOf(ParseOutcome.Parsed.class);
        }
    }

    @Test
    void concurrentCallersAreServedByTheNChildren() throws Exception {
        try (ParserSupervisor s = ParserSupervisor.start(fixture.hooked().children(2).build())) {
            assertThat(s.stats().childPids()).hasSize(2);
            List<CompletableFuture<ParseOutcome>> all = List.of(
                    s.submit(hook(HookedJailMain.SLEEP + 800), blob.dof(), 30),
                    s.submit(hook(HookedJailMain.SLEEP + 800), blob.dof(), 31),
                    s.submit(blob.helper(), blob.dof(), 32));
            for (CompletableFuture<ParseOutcome> f : all) {
                assertThat(f.get(Await.LIVENESS.toSeconds(), TimeUnit.SECONDS)).isInstanceOf(ParseOutcome.Parsed.class);
            }
            assertThat(s.stats().parsed()).isEqualTo(3);
        }
    }

    @Test
    void anIdleChildThatDiesIsReplacedWithoutWaitingForAParse() throws Exception {
        try (ParserSupervisor s = ParserSupervisor.start(fixture.production().build())) {
            long first = s.stats().childPids().get(0);
            new ProcessBuilder("kill", "-KILL", Long.toString(first)).start().waitFor();
            // one snapshot per look: two would let "still one child" (the killed one, not yet
            // reaped) and "not the killed one" (it is gone) both hold with no new child at all
            Await.until("a new child replaces the killed one", Await.LIVENESS, () -> {
                List<Long> pids = s.stats().childPids();
                return pids.size() == 1 && !pids.contains(first);
            }, () -> s.stats().toString());
            assertThat(s.stats().restarts()).as(s.stats().toString()).isEqualTo(1);
            assertThat(s.stats().attemptFailures().values()).allMatch(n -> n == 0);
            assertThat(s.parse(blob.helper(), blob.dof(), 40)).isInstanceOf(ParseOutcome.Parsed.class);
        }
    }

    /**
     * Issue 19, attack 6: what the daemon accepts a child can parse. A DOF one byte below the cap,
     * whose result is just below the result bound, parses in a child with the default heap (a 256
     * MiB - 1 DOF used to be accepted and crash three children per registration).
     */
    @Test
    void theLargestAcceptedDofWithTheLargestResultParsesInADefaultChild() throws Exception {
        SupervisorConfig config = fixture.production().build();
        byte[] core = SharedArgumentsDof.build("big", 150, 255, 100);
        byte[] dof = java.util.Arrays.copyOf(core, (int) config.maxDofBytes() - 1);
        ByteBuffer b = ByteBuffer.wrap(dof).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putLong(DofHeader.OFF_LOADSZ, dof.length);
        b.putLong(DofHeader.OFF_FILESZ, dof.length);
        ParsedDof inProcess = new DofParser().parse(ByteBuffer.wrap(dof), blob.helper(), 60);
        assertThat(ResultBudget.bytesOf(inProcess))
                .isGreaterThan(DofLimits.DEFAULT_MAX_RESULT_BYTES * 9 / 10);
        try (ParserSupervisor s = ParserSupervisor.start(config)) {
            ParseOutcome o = s.parse(blob.helper(), dof, 60);
            assertThat(o).isEqualTo(new ParseOutcome.Parsed(inProcess));
            assertThat(s.stats().restarts()).isZero();
        }
    }

    @Test
    void dofAboveTheCapIsRefusedWithE2bigWithoutReachingAChild() throws Exception {
        try (ParserSupervisor s = ParserSupervisor.start(fixture.production().maxDofBytes(4096).build())) {
            ParseOutcome o = s.parse(blob.helper(), new byte[4097], 50);
            assertThat(o).isInstanceOfSatisfying(ParseOutcome.Rejected.class, r -> {
                assertThat(r.rule()).isEqualTo(DofRule.LOAD_SIZE_TOO_LARGE);
                assertThat(r.errno()).isEqualTo(7);
                assertThat(r.message()).contains("4097 bytes, maximum 4096");
            });
        }
    }

    @Test
    void afterCloseEveryParseFailsWithClosedAndNoChildIsLeft() throws Exception {
        ParserSupervisor s = ParserSupervisor.start(fixture.production().build());
        long pid = s.stats().childPids().get(0);
        s.close();
        assertThat(s.parse(blob.helper(), blob.dof(), 60)).isInstanceOfSatisfying(ParseOutcome.Failed.class,
                f -> assertThat(f.reason()).isEqualTo(FailureReason.CLOSED));
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    }

    @Test
    @Requires(Capability.ROOT) // the privilege drop only happens when started as root
    void aChildThatCannotBeJailedIsAFatalStartError() throws Exception {
        SupervisorConfig c = fixture.production().childUser("no-such-user-dtprobed").build();
        assertThatThrownBy(() -> ParserSupervisor.start(c))
                .isInstanceOf(java.io.IOException.class)
                .hasMessageContaining("did not start")
                .hasMessageContaining("exit code 3")
                .hasMessageContaining("no such user 'no-such-user-dtprobed'");
    }

    @Test
    void aMissingJavaIsAFatalStartError() {
        Path missing = Path.of("/nonexistent/bin/java");
        assertThat(Files.exists(missing)).isFalse();
        assertThatThrownBy(() -> ParserSupervisor.start(fixture.production().java(missing).build()))
                .isInstanceOf(java.io.IOException.class)
                .hasMessageContaining("cannot start /nonexistent/bin/java");
    }

    @Test
    void aClassDataArchiveIsMadeOnceAndMappedByEveryChild(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path archive = dir.resolve("parser-child.jsa");
        try (ParserSupervisor s = ParserSupervisor.start(fixture.production().sharedArchive(archive).build())) {
            assertThat(archive).isRegularFile();
            long pid = s.stats().childPids().get(0);
            assertThat(Files.readString(Path.of("/proc", Long.toString(pid), "maps"))).contains(archive.toString());
            assertThat(s.parse(blob.helper(), blob.dof(), 70)).isInstanceOf(ParseOutcome.Parsed.class);
        }
    }

    @Test
    void aClassDataArchiveThatCannotBeMadeIsOnlyAWarning(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path archive = dir.resolve("no-such-dir/parser-child.jsa");
        try (ParserSupervisor s = ParserSupervisor.start(fixture.production().sharedArchive(archive).build())) {
            assertThat(s.config().sharedArchive()).isNull();
            assertThat(s.parse(blob.helper(), blob.dof(), 71)).isInstanceOf(ParseOutcome.Parsed.class);
        }
    }

    /**
     * A {@code java} that dies of SIGSEGV while starting as often as the file {@code failures} in
     * {@code dir} says (as the child JVM did in CI, in C1-compiled code under qemu TCG), and
     * otherwise is the real one; {@code starts} counts every start.
     */
    private static Path crashingJava(Path dir, int failures) throws java.io.IOException {
        Path java = dir.resolve("java");
        Files.writeString(dir.resolve("failures"), failures + "\n");
        Files.writeString(java, "#!/bin/sh\n"
                + "ulimit -c 0\n"
                + "cd '" + dir + "'\n"
                + "echo $(( $(cat starts 2>/dev/null || echo 0) + 1 )) > starts\n"
                + "n=$(cat failures)\n"
                + "if [ \"$n\" -gt 0 ]; then echo $((n - 1)) > failures; kill -SEGV $$; fi\n"
                + "exec '" + Path.of(System.getProperty("java.home"), "bin", "java") + "' \"$@\"\n");
        assertThat(java.toFile().setExecutable(true)).isTrue();
        return java;
    }

    private static int count(Path file) throws java.io.IOException {
        return Integer.parseInt(Files.readString(file).strip());
    }

    @Test
    void aChildThatCrashesWhileStartingIsReplacedAndTheSupervisorStarts(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        SupervisorConfig c = fixture.production().java(crashingJava(dir, 2)).build();
        try (ParserSupervisor s = ParserSupervisor.start(c)) {
            assertThat(count(dir.resolve("starts"))).isEqualTo(3);
            assertThat(s.stats().childPids()).hasSize(1);
            assertThat(s.parse(blob.helper(), blob.dof(), 80)).isInstanceOf(ParseOutcome.Parsed.class);
        }
    }

    @Test
    void aChildThatKeepsCrashingWhileStartingFailsTheStartAfterBoundedRetries(
            @org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        SupervisorConfig c = fixture.production().java(crashingJava(dir, 1000)).build();
        assertThatThrownBy(() -> ParserSupervisor.start(c))
                .isInstanceOf(java.io.IOException.class)
                .hasMessageContaining("failed " + ChildPool.FIRST_START_ATTEMPTS + " times in a row")
                .hasMessageContaining("killed by signal 11");
        assertThat(count(dir.resolve("starts"))).isEqualTo(ChildPool.FIRST_START_ATTEMPTS);
    }

    @Test
    void aReplacementThatCrashesWhileStartingIsRetriedWithBackoff(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        SupervisorConfig c = fixture.production().java(crashingJava(dir, 0)).build();
        try (ParserSupervisor s = ParserSupervisor.start(c)) {
            long first = s.stats().childPids().get(0);
            Files.writeString(dir.resolve("failures"), "2\n");
            new ProcessBuilder("kill", "-KILL", Long.toString(first)).start().waitFor();
            Await.until("a child replaces the killed one after two crashed starts", Await.LIVENESS, () -> {
                List<Long> pids = s.stats().childPids();
                return pids.size() == 1 && !pids.contains(first);
            }, () -> s.stats().toString());
            assertThat(count(dir.resolve("starts"))).isEqualTo(4);
            assertThat(count(dir.resolve("failures"))).isZero();
            assertThat(s.parse(blob.helper(), blob.dof(), 81)).isInstanceOf(ParseOutcome.Parsed.class);
        }
    }
}
