package org.dtprobed.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.dtprobed.dof.DofHeader;
import org.dtprobed.dof.DofHelper;
import org.dtprobed.helper.Caller;
import org.dtprobed.helper.HelperException;
import org.dtprobed.helper.HelperRequests;
import org.dtprobed.helper.InMemoryHelperRequests;
import org.dtprobed.linux.Errno;
import org.dtprobed.testkit.Capability;
import org.dtprobed.testkit.Requires;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The FUSE-file route end to end on the host kernel: a real mount, the symlink under /dev, and the
 * compiled C client registering real DOF through it, as root and as nobody, from the main thread
 * and from another thread, plus hostile callers. Needs root and /dev/fuse.
 */
@Requires({Capability.ROOT, Capability.FUSE, Capability.GCC})
class FuseFileTransportIT {

    @TempDir
    static Path dir;
    static CClient client;
    static Recording requests;
    static FuseFileTransport transport;
    static Path device;

    /** The in-memory registry, plus a gate that holds registrations of module "slow". */
    static final class Recording implements HelperRequests {
        final InMemoryHelperRequests store = new InMemoryHelperRequests();
        volatile CountDownLatch slowGate = new CountDownLatch(0);
        final CountDownLatch slowEntered = new CountDownLatch(1);

        @Override
        public long addDof(Caller caller, DofHelper helper, DofHeader header, byte[] dof) throws HelperException {
            if (helper.module().equals("slow")) {
                slowEntered.countDown();
                try {
                    slowGate.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return store.addDof(caller, helper, header, dof);
        }

        @Override
        public void remove(Caller caller, long generation) throws HelperException {
            store.remove(caller, generation);
        }
    }

    @BeforeAll
    static void start() throws Exception {
        client = CClient.compile(dir);
        requests = new Recording();
        Path mnt = dir.resolve("helperfs");
        TransportConfig config = TransportConfig.defaults()
                .withDeviceName("dtrace/test-" + ProcessHandle.current().pid()).withMountpoint(mnt);
        transport = FuseFileTransport.start(config, requests);
        device = transport.devicePath();
    }

    @AfterAll
    static void stop() {
        if (transport != null) {
            Path link = transport.devicePath();
            transport.close();
            assertThat(Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)).as("symlink removed").isFalse();
        }
    }

    @AfterEach
    void stillServing() throws Exception {
        // after every case, good or hostile, a plain registration must still work
        assertThat(transport.serving()).isTrue();
        CClient.Result r = client.run(device, DofFiles.corpus().get(0).toString());
        assertThat(r.gen()).as("%s", r).isGreaterThanOrEqualTo(0);
    }

    @Test
    void symlinkPointsAtTheWorldWritableHelperFile() throws Exception {
        assertThat(Files.isSymbolicLink(device)).isTrue();
        Path file = Files.readSymbolicLink(device);
        assertThat(file).isEqualTo(transport.helperFile());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-rw-rw-");
        assertThat(Files.getOwner(file).getName()).isEqualTo("root");
        try (var s = Files.list(file.getParent())) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("helper");
        }
    }

    @Test
    void otherFileOperationsAreRefusedHarmlessly() throws Exception {
        Path file = transport.helperFile();
        assertThat(Files.size(file)).isZero();
        assertThat(Files.readAllBytes(file)).isEmpty(); // size 0: the kernel answers EOF itself
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Files.write(file, new byte[] {1}))
                .isInstanceOf(IOException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Files.createFile(file.resolveSibling("new")))
                .isInstanceOf(IOException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Files.setPosixFilePermissions(file,
                PosixFilePermissions.fromString("rwxrwxrwx"))).isInstanceOf(IOException.class);
        assertThat(Files.exists(file.resolveSibling("other"))).isFalse();
        assertThat(file.getParent().getFileSystem().provider().getFileStore(file).type()).isEqualTo("fuse.dtprobed");
    }

    /** The daemon has no FLUSH (ENOSYS): the kernel stops sending it and every close still succeeds. */
    @Test
    void closingTheHelperFileSucceedsWithoutAFlush() throws Exception {
        for (int i = 0; i < 3; i++) {
            java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(device,
                    java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE);
            ch.close(); // throws on an error from close(2)
        }
    }

    @Test
    void everyCorpusDofRegistersAndArrivesByteForByte() throws Exception {
        for (Path dof : DofFiles.corpus()) {
            CClient.Result r = client.run(device, dof.toString());
            int gen = r.gen();
            InMemoryHelperRequests.Registration reg = find(r.pid(), gen);
            assertThat(reg.dof()).as(dof.toString()).isEqualTo(Files.readAllBytes(dof));
            assertThat(reg.helper().module()).isEqualTo(dof.getFileName().toString());
            assertThat(reg.caller().pid()).isEqualTo(r.pid());
            assertThat(reg.caller().tid()).isEqualTo(r.pid());
            assertThat(reg.caller().uid()).isZero();
        }
    }

    @Test
    void dofLargerThan64KiBWithAShortLastChunk() throws Exception {
        for (int size : new int[] {70_000, 65_536 + 17, 3 * 65_536 + 63}) {
            Path f = DofFiles.write(dir, "big-" + size + ".dof", DofFiles.padded(DofFiles.corpus().get(0), size));
            f.toFile().setReadable(true, false);
            CClient.Result r = client.run(device, f.toString());
            assertThat(find(r.pid(), r.gen()).dof()).isEqualTo(Files.readAllBytes(f));
        }
    }

    @Test
    void registrationFromAWorkerThreadLandsUnderTheProcess() throws Exception {
        CClient.Result r = client.run(device, "-t", DofFiles.corpus().get(1).toString());
        InMemoryHelperRequests.Registration reg = find(r.pid(), r.gen());
        assertThat(r.addTid()).isNotEqualTo(r.pid());
        assertThat(reg.caller().tid()).isEqualTo(r.addTid());
        assertThat(reg.caller().pid()).isEqualTo(r.pid());
    }

    @Test
    void nobodyRegistersThroughAllowOther() throws Exception {
        Path dof = DofFiles.corpus().get(2);
        CClient.Result r = client.runAsNobody(device, dof.toString());
        assertThat(r.value("pid", "uid")).contains("65534");
        InMemoryHelperRequests.Registration reg = find(r.pid(), r.gen());
        assertThat(reg.caller().uid()).isEqualTo(65534);
        assertThat(reg.caller().gid()).isEqualTo(65534);
        assertThat(reg.dof()).isEqualTo(Files.readAllBytes(dof));
    }

    @Test
    void removeByValueReachesTheDaemon() throws Exception {
        Process p = client.start(device, false, "-w", "-x", "d802", DofFiles.corpus().get(0).toString());
        int pid = (int) p.pid();
        awaitLine(p, "waiting");
        assertThat(requests.store.live(pid)).hasSize(1);
        new ProcessBuilder("kill", "-USR1", Integer.toString(pid)).start().waitFor();
        CClient.Result r = CClient.finish(p);
        assertThat(r.value("remove", "rc")).contains("0");
        assertThat(requests.store.live(pid)).isEmpty();
        assertThat(requests.store.removals()).anyMatch(x -> x.caller().pid() == pid && x.known());
    }

    /**
     * The dtrace-utils REMOVE number encodes a 4-byte write, so on a FUSE file the kernel tries to
     * copy 4 bytes at the address "generation" and fails with Errno.EFAULT before the daemon hears of it.
     */
    @Test
    void standardRemoveOfASmallGenerationFaultsInTheKernel() throws Exception {
        CClient.Result r = client.run(device, "-r", "0");
        assertThat(r.value("remove", "errno")).contains(String.valueOf(Errno.EFAULT));
    }

    @Test
    void removeOfAnUnknownGenerationSucceeds() throws Exception {
        int before = requests.store.removals().size();
        CClient.Result r = client.run(device, "-x", "d802", "-r", "12345");
        assertThat(r.value("remove", "rc")).contains("0");
        assertThat(requests.store.removals().subList(before, requests.store.removals().size()))
                .anyMatch(x -> x.generation() == 12345 && !x.known());
    }

    @Test
    void badArgPointerFaultsInTheKernel() throws Exception {
        CClient.Result r = client.run(device, "-a", "1", DofFiles.corpus().get(0).toString());
        assertThat(r.addErrno()).isEqualTo(Errno.EFAULT);
    }

    @Test
    void dofPointerAtUnmappedMemoryGetsEfault() throws Exception {
        CClient.Result r = client.run(device, "-u", DofFiles.corpus().get(0).toString());
        assertThat(r.addErrno()).isEqualTo(Errno.EFAULT);
    }

    @Test
    void headerClaimingOneGibGetsE2big() throws Exception {
        Path f = DofFiles.write(dir, "huge.dof", DofFiles.claiming(DofFiles.corpus().get(0), 1L << 30));
        f.toFile().setReadable(true, false);
        assertThat(client.run(device, f.toString()).addErrno()).isEqualTo(Errno.E2BIG);
    }

    @Test
    void truncatedDofGetsEfault() throws Exception {
        Path big = DofFiles.corpus().stream().filter(p -> p.toString().endsWith("libusdt-5.dof")).findFirst()
                .orElseThrow();
        byte[] all = Files.readAllBytes(big);
        Path f = DofFiles.write(dir, "truncated.dof", java.util.Arrays.copyOf(all, all.length / 2));
        f.toFile().setReadable(true, false);
        // -g puts the DOF right before an unreadable page, so reading loadsz bytes runs into it
        assertThat(client.run(device, "-g", f.toString()).addErrno()).isEqualTo(Errno.EFAULT);
    }

    @Test
    void randomBytesGetEinval() throws Exception {
        for (long seed = 1; seed <= 3; seed++) {
            Path f = DofFiles.write(dir, "random-" + seed + ".dof", DofFiles.random(seed, 4096));
            f.toFile().setReadable(true, false);
            assertThat(client.run(device, f.toString()).addErrno()).as("seed %d", seed).isEqualTo(Errno.EINVAL);
        }
    }

    @Test
    void validHeaderWithGarbageBodyIsRefusedByTheParser() throws Exception {
        byte[] good = Files.readAllBytes(DofFiles.corpus().get(1));
        byte[] bad = DofFiles.random(7, good.length);
        System.arraycopy(good, 0, bad, 0, DofHeader.SIZE);
        Path f = DofFiles.write(dir, "garbage-body.dof", bad);
        f.toFile().setReadable(true, false);
        assertThat(client.run(device, f.toString()).addErrno()).isEqualTo(Errno.EINVAL);
    }

    @Test
    void unknownIoctlNumbersGetEinval() throws Exception {
        for (String cmd : List.of("1234", "4040d801", "4050d804", "c050d803", "80", "4004d803")) {
            CClient.Result r = client.run(device, "-c", cmd, DofFiles.corpus().get(0).toString());
            assertThat(r.addErrno()).as("cmd 0x%s: %s", cmd, r).isEqualTo(Errno.EINVAL);
        }
    }

    @Test
    void aSlowRegistrationDoesNotStallOtherCallers() throws Exception {
        requests.slowGate = new CountDownLatch(1);
        Process slow = client.start(device, false, "-m", "slow", DofFiles.corpus().get(0).toString());
        try {
            assertThat(requests.slowEntered.await(30, TimeUnit.SECONDS)).isTrue();
            CClient.Result other = client.run(device, DofFiles.corpus().get(1).toString());
            assertThat(other.gen()).isGreaterThanOrEqualTo(0);
            assertThat(slow.isAlive()).as("the slow caller is still blocked in its ioctl").isTrue();
        } finally {
            requests.slowGate.countDown();
        }
        assertThat(CClient.finish(slow).gen()).isGreaterThanOrEqualTo(0);
    }

    @Test
    void latencyLoopRuns() throws Exception {
        // the benchmark mode of the client (scripts/bench-transport runs it with 10,000)
        CClient.Result r = client.run(device, "-n", "200", DofFiles.corpus().get(0).toString());
        assertThat(r.value("bench", "failures")).contains("0");
    }

    private static InMemoryHelperRequests.Registration find(int pid, int gen) {
        return requests.store.live(pid).stream().filter(x -> x.generation() == gen).findFirst()
                .orElseThrow(() -> new AssertionError("no registration pid " + pid + " gen " + gen));
    }

    private static void awaitLine(Process p, String line) throws IOException {
        var in = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        String l;
        while ((l = in.readLine()) != null && System.nanoTime() < deadline) {
            if (l.equals(line)) {
                return;
            }
        }
        throw new AssertionError("no line '" + line + "' from the client");
    }
}
