package org.dtprobed.stash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.dtprobed.dof.DofHelper;
import org.dtprobed.dof.DofParser;
import org.dtprobed.dof.ParsedDof;
import org.dtprobed.dof.write.DofWriter;
import org.dtprobed.dof.write.ProbeSpec;
import org.dtprobed.protocol.RegistrationKey;
import org.dtprobed.testkit.Capability;
import org.dtprobed.testkit.Requires;
import org.dtprobed.testkit.Tmpfs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stash on a small tmpfs of its own (issue 20): a full file system is found when the stash is
 * created (FULL naming the file and the free space, nothing left behind); once created, a full
 * file system costs the stash nothing (every file is allocated whole and never grows): a storm of
 * large commits is refused at the stash's own sizing with ENOSPC — no Error, no stuck caller, no
 * fault — a removal makes room, and the close is sealed clean with every acknowledged registration;
 * the negative cache, the one file that may grow, stops recording rather than fail a caller.
 */
@Requires(Capability.ROOT)
class StashFullDiskIT {
    @TempDir
    Path tmp;
    private Tmpfs fs;

    private Path mountTmpfs(String size) throws Exception {
        fs = Tmpfs.mount(tmp.resolve("tmpfs"), size);
        return fs.dir();
    }

    @AfterEach
    void unmount() throws Exception {
        if (fs != null) {
            fs.close();
        }
    }

    /** A provider of {@code n} probes as dtrace -G emits them (measured sizes: {@link StashSizingTest}). */
    static byte[] dof(int n) {
        ProbeSpec[] probes = new ProbeSpec[n];
        for (int i = 0; i < n; i++) {
            probes[i] = ProbeSpec.builder("function_" + (i / 4), "probe-" + i).address(0x401000 + 64L * i)
                    .args("int", "char *").offsets(5).build();
        }
        return DofWriter.builder().provider("benchprov", probes).build();
    }

    static final DofHelper HELPER = new DofHelper("libbench.so", 0x7f0000000000L, 0x7f0000200000L);

    static RegistrationRecord record(int pid) {
        return new RegistrationRecord(pid, new Mapping(2049, 1_000_001, 0x1000, "/usr/lib/libbench.so"), HELPER,
                new ProcessIdentity(pid, 2049, 42));
    }

    private static Stream<Path> stashFiles(Path dir) throws IOException {
        return Files.list(dir).filter(p -> p.getFileName().toString().endsWith(".cm3"));
    }

    @Test
    void aFileSystemTooSmallIsFoundAtCreationAndLeavesNothingBehind() throws Exception {
        Path dir = mountTmpfs("4m").resolve("stash");
        StashException e = assertThrows(StashException.class, () -> Stash.open(StashConfig.small(dir)));
        assertThat(e.kind()).isEqualTo(StashException.Kind.FULL);
        assertThat(e.errno()).isEqualTo(28);
        assertThat(e.getMessage()).contains(dir.resolve("registrations-2.cm3").toString()).contains("KiB free");
        try (Stream<Path> s = stashFiles(dir)) {
            assertThat(s.toList()).as("no half-created, sparse file is left to be taken for a stash").isEmpty();
        }
        fs.remount("64m");
        try (Stash s = Stash.open(StashConfig.small(dir))) {
            assertThat(s.recovered()).isFalse();
            assertThat(s.recovery().damagedFiles()).isEmpty();
        }
    }

    @Test
    void aFullFileSystemDuringAStormCostsNothingTheStashRefusesAtItsOwnSizing() throws Exception {
        Path dir = mountTmpfs("40m").resolve("stash");
        // 1,500-probe DOF (190 KiB values, 47 chunks each): in layout 1 the load that made
        // Chronicle chain extra tiers, growing the file into a full file system (SIGBUS, stuck
        // callers). Every layout-2 file is allocated whole and never grows: the storm fills the
        // stash up to its sizing and is refused there, with ENOSPC, by the stash's own count
        byte[] raw = dof(1500);
        ParsedDof parsed = new DofParser().parse(ByteBuffer.wrap(raw), HELPER, 1);
        Set<RegistrationKey> acknowledged = ConcurrentHashMap.newKeySet();
        List<Throwable> others = new ArrayList<>();
        AtomicInteger refused = new AtomicInteger();
        Path filler = fs.dir().resolve("filler");
        try (Stash s = Stash.open(StashConfig.small(dir))) {
            fs.fill("filler");
            AtomicInteger nextPid = new AtomicInteger(1000);
            ExecutorService pool = Executors.newFixedThreadPool(4);
            List<Future<?>> workers = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                workers.add(pool.submit(() -> {
                    // each caller goes on until the stash refuses it twice: a refusal, not a hang
                    int mine = 0;
                    while (mine < 2) {
                        int pid = nextPid.getAndIncrement();
                        try {
                            acknowledged.add(s.commit(record(pid), raw, parsed).key());
                        } catch (StashException e) {
                            assertThat(e.kind()).as(e.getMessage()).isEqualTo(StashException.Kind.FULL);
                            assertThat(e.getMessage()).contains("chunks full");
                            mine++;
                            refused.incrementAndGet();
                        } catch (Throwable t) {
                            synchronized (others) {
                                others.add(t);
                            }
                            return;
                        }
                    }
                }));
            }
            for (Future<?> f : workers) {
                f.get();
            }
            pool.shutdown();
            assertThat(others).as("no caller saw anything but ENOSPC").isEmpty();
            assertThat(refused.get()).isEqualTo(8);
            assertThat(acknowledged).as("the stash took registrations before it was full").isNotEmpty();

            assertThat(Files.exists(filler)).as("the file system is still full").isTrue();
            // room comes from a removal, not from the disk
            RegistrationKey gone = acknowledged.iterator().next();
            assertThat(s.remove(gone.pid(), gone.generation())).isTrue();
            acknowledged.remove(gone);
            RegistrationKey after = s.commit(record(99_999), raw, parsed).key();
            acknowledged.add(after);
            assertThat(s.registration(after)).isPresent();
        }
        assertThat(Files.readString(dir.resolve(StashLock.FILE))).as("no fault: sealed clean").startsWith("clean");
        try (Stash s = Stash.open(StashConfig.small(dir))) {
            assertThat(s.recovered()).isFalse();
            for (RegistrationKey k : acknowledged) {
                Registration r = s.registration(k).orElseThrow(() -> new AssertionError(k + " lost"));
                assertThat(r.probes()).hasSize(1500);
            }
            assertThat(new StashView(s.files()).check(false)).isEmpty();
        }
    }

    /**
     * What admission cannot rule out: pages of an open file taken away behind the stash's back on
     * a full file system (a hole punched in {@code registrations-2.cm3}: what a file left sparse
     * by an older build or a failed growth is). Layout 1 lost FUSE workers to the SIGBUS with a
     * segment lock held, and every commit after waited 60 s on it. Here the commit that touches
     * such a page fails with FULL (ENOSPC), no Error escapes, once the space is back the next
     * commits of the same process succeed at once (no lock was left held: nothing waits 60 s), and
     * the close leaves the stash unclean so that the next open recovers every file.
     */
    @Test
    void aPageTakenAwayOnAFullFileSystemFailsThatCommitWithEnospcAndLeavesNoLockHeld() throws Exception {
        Path dir = mountTmpfs("40m").resolve("stash");
        Path filler = fs.dir().resolve("filler");
        List<String> cmd = org.dtprobed.testkit.ChildJvms.command(MappedFaultMain.class);
        // everything past the first MiB (the header and the segment headers stay)
        cmd.addAll(List.of(dir.toString(),
                "size=$(stat -c %s \"$1\"); fallocate --punch-hole -o 1048576 -l $((size - 1048576)) \"$1\""
                        + " && (dd if=/dev/zero of=" + filler + " bs=64k 2>/dev/null; true)",
                "rm " + filler));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        System.out.println("StashFullDiskIT mapped fault:\n" + out);
        List<String> lines = out.lines().toList();
        assertThat(lines).as(out).noneMatch(l -> l.startsWith("ERROR"));
        assertThat(lines.stream().filter(l -> l.startsWith("COMMITTED 10"))).as(out).hasSize(10);
        assertThat(lines.stream().filter(l -> l.startsWith("REFUSED"))).as(out).isNotEmpty()
                .allMatch(l -> l.startsWith("REFUSED FULL 28"));
        // 100 commits over 16 segments: the faulted one among them but for a chance of 0.2 %
        assertThat(lines.stream().filter(l -> l.startsWith("COMMITTED 30"))).as("space is back, no lock held: " + out)
                .hasSize(100).allMatch(l -> Long.parseLong(l.replaceAll(".* ms=", "")) < 30_000);
        assertThat(out).contains("CLOSED open ");
        try (Stash s = Stash.open(StashConfig.small(dir))) {
            assertThat(s.recovered()).as("the faulted stash is recovered, not trusted").isTrue();
        }
    }

    @Test
    void aNegativeCacheGrowthOnAFullFileSystemStopsTheCacheNotTheCaller() throws Exception {
        Path dir = mountTmpfs("40m").resolve("stash");
        String reason = "r".repeat(4000);
        try (Stash s = Stash.open(StashConfig.small(dir))) {
            fs.fill("filler");
            StashException refused = null;
            // 4 KB reasons fill negative-2.cm3 (sized 4,096 x 96 B, bloat factor 2) until it must grow
            for (int i = 0; i < 4_096 && refused == null; i++) {
                try {
                    s.negative().record(2049, i, 1, 1, org.dtprobed.stash.negative.Verdict.NO_DOF, reason);
                } catch (StashException e) {
                    refused = e;
                }
            }
            assertThat(refused).as("the growth failed for want of space").isNotNull();
            assertThat(refused.kind()).isEqualTo(StashException.Kind.FULL);
            StashException again = assertThrows(StashException.class,
                    () -> s.negative().record(2049, 99_999, 1, 1, org.dtprobed.stash.negative.Verdict.NO_DOF, ""));
            assertThat(again.getMessage()).contains("not recording since a fault");
            Files.delete(fs.dir().resolve("filler"));
            // registrations are unaffected
            byte[] raw = dof(20);
            assertThat(s.commit(record(1), raw, new DofParser().parse(ByteBuffer.wrap(raw), HELPER, 1)).key()).isNotNull();
        }
    }
}
