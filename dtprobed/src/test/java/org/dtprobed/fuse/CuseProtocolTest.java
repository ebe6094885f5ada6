package org.dtprobed.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.dtprobed.dof.DofHelper;
import org.dtprobed.dof.DofLimits;
import org.dtprobed.helper.CallerResolver;
import org.dtprobed.helper.CuseConversations;
import org.dtprobed.helper.HelperIoctl;
import org.dtprobed.helper.InMemoryHelperRequests;
import org.dtprobed.linux.Errno;
import org.dtprobed.proc.ProcFs;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CUSE device and its RETRY conversation, driven at the byte level by a simulated kernel
 * (this host has no CUSE; the qemu harness runs the real thing). Caller thread ids are real
 * threads of this JVM so that the Tgid lookup in /proc is real too.
 */
class CuseProtocolTest {
    static final int ADDDOF = HelperIoctl.ADDDOF_CMD;
    static final long HELPER_AT = 0x7ffd_0000_0000L;
    static final long DOF_AT = 0x5555_0000_0000L;

    final int pid = (int) ProcessHandle.current().pid();
    InMemoryHelperRequests requests;
    CuseConversations conversations;
    CuseHelperDevice device;

    @BeforeEach
    void setUp() {
        requests = new InMemoryHelperRequests();
        conversations = new CuseConversations(requests, DofLimits.DEFAULT, new CallerResolver(ProcFs.SYSTEM));
        device = new CuseHelperDevice("dtrace/helper", TransportConfig.DEFAULT_MAX_WRITE, conversations::handle);
    }

    static LongStream seeds() {
        return LongStream.rangeClosed(1, 10);
    }

    static SimulatedCuseKernel.Memory caller(byte[] dof) {
        SimulatedCuseKernel.Memory m = new SimulatedCuseKernel.Memory();
        m.map(HELPER_AT, new DofHelper("a.out", 0, DOF_AT).encode());
        m.map(DOF_AT, dof);
        return m;
    }

    static List<Path> corpus() throws Exception {
        try (Stream<Path> s = Files.list(DofFiles.CORPUS)) {
            return s.filter(p -> p.toString().endsWith(".dof")).sorted().collect(Collectors.toList());
        }
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void corpusRegistersThroughRetryRounds(long seed) throws Exception {
        SimulatedCuseKernel kernel = new SimulatedCuseKernel(device, seed);
        for (Path p : corpus()) {
            byte[] dof = Files.readAllBytes(p);
            SimulatedCuseKernel.Call c = kernel.call(pid, ADDDOF, HELPER_AT, caller(dof));
            int gen = c.run();
            assertThat(gen).as("%s seed %d", p, seed).isGreaterThanOrEqualTo(0);
            // rounds: nothing, the 80-byte helper, the 64-byte header, then the DOF itself
            assertThat(c.roundSizes).containsExactly(0L, 80L, 64L, (long) dof.length);
            assertThat(requests.live(pid).stream().filter(r -> r.generation() == gen).findFirst().orElseThrow().dof())
                    .isEqualTo(dof);
        }
        assertThat(conversations.inProgress()).isZero();
        assertThat(conversations.bufferedBytes()).isZero();
    }

    @Test
    void largeDofComesIn64KiBChunksAndAShortLastChunkIsAccepted() throws Exception {
        SimulatedCuseKernel kernel = new SimulatedCuseKernel(device, 7);
        for (int size : new int[] {65_536, 65_537, 65_536 + 63, 3 * 65_536 + 17, 300_000}) {
            byte[] dof = DofFiles.padded(corpus().get(0), size);
            SimulatedCuseKernel.Call c = kernel.call(pid, ADDDOF, HELPER_AT, caller(dof));
            int gen = c.run();
            assertThat(gen).as("size %d: %s", size, c.roundSizes).isGreaterThanOrEqualTo(0);
            List<Long> chunks = c.roundSizes.subList(3, c.roundSizes.size());
            assertThat(chunks).allMatch(n -> n <= 65_536);
            assertThat(chunks.stream().mapToLong(Long::longValue).sum()).isEqualTo(size);
            assertThat(requests.live(pid).stream().filter(r -> r.generation() == gen).findFirst().orElseThrow().dof())
                    .isEqualTo(dof);
        }
    }

    @Test
    void kernelSideEfaultLeavesNoStaleState() throws Exception {
        SimulatedCuseKernel kernel = new SimulatedCuseKernel(device, 3);
        byte[] dof = Files.readAllBytes(corpus().get(0));
        SimulatedCuseKernel.Memory m = new SimulatedCuseKernel.Memory();
        m.map(HELPER_AT, new DofHelper("a.out", 0, 0x1000).encode()); // the DOF pointer is unmapped
        assertThat(kernel.call(pid, ADDDOF, HELPER_AT, m).run()).isEqualTo(-Errno.EFAULT);
        assertThat(conversations.inProgress()).as("the daemon never heard of the fault").isEqualTo(1);
        // the next request of the same thread starts with in_size == 0 and is not misread
        assertThat(kernel.call(pid, ADDDOF, HELPER_AT, caller(dof)).run()).isGreaterThanOrEqualTo(0);
        assertThat(conversations.inProgress()).isZero();
    }

    @Test
    void badArgPointerFaultsInTheKernel() throws Exception {
        SimulatedCuseKernel kernel = new SimulatedCuseKernel(device, 4);
        assertThat(kernel.call(pid, ADDDOF, 0x10, caller(new byte[64])).run()).isEqualTo(-Errno.EFAULT);
        assertThat(kernel.call(pid, ADDDOF, HELPER_AT, caller(Files.readAllBytes(corpus().get(1)))).run())
                .isGreaterThanOrEqualTo(0);
    }

    @Test
    void hostileHeadersAndPayloads() throws Exception {
        SimulatedCuseKernel kernel = new SimulatedCuseKernel(device, 5);
        Path good = corpus().get(0);
        assertThat(kernel.call(pid, ADDDOF, HELPER_AT, caller(DofFiles.claiming(good, 1L << 30))).run()).isEqualTo(-Errno.E2BIG);
        assertThat(kernel.call(pid, ADDDOF, HELPER_AT, caller(DofFiles.random(11, 4096))).run()).isEqualTo(-Errno.EINVAL);
        byte[] garbage = DofFiles.random(12, (int) Files.size(good));
        System.arraycopy(Files.readAllBytes(good), 0, garbage, 0, 64);
        assertThat(kernel.call(pid, ADDDOF, HELPER_AT, caller(garbage)).run()).isEqualTo(-Errno.EINVAL);
        assertThat(kernel.call(pid, 0x1234, HELPER_AT, caller(garbage)).run()).isEqualTo(-Errno.EINVAL);
        // a module name with no NUL in its 64 bytes
        SimulatedCuseKernel.Memory m = caller(Files.readAllBytes(good));
        byte[] helper = new byte[80];
        java.util.Arrays.fill(helper, 0, 64, (byte) 'x');
        ByteBuffer.wrap(helper).order(ByteOrder.LITTLE_ENDIAN).putLong(72, DOF_AT);
        m.map(HELPER_AT, helper);
        assertThat(kernel.call(pid, ADDDOF, HELPER_AT, m).run()).isEqualTo(-Errno.EINVAL);
        assertThat(conversations.inProgress()).isZero();
        assertThat(conversations.bufferedBytes()).isZero();
        assertThat(kernel.call(pid, ADDDOF, HELPER_AT, caller(Files.readAllBytes(good))).run()).isGreaterThanOrEqualTo(0);
    }

    @Test
    void headerChangedBetweenReadsIsRefused() throws Exception {
        SimulatedCuseKernel kernel = new SimulatedCuseKernel(device, 6);
        byte[] dof = Files.readAllBytes(corpus().get(4));
        SimulatedCuseKernel.Memory m = caller(dof);
        SimulatedCuseKernel.Call c = kernel.call(pid, ADDDOF, HELPER_AT, m);
        c.step(); // asks for the helper; the kernel copies it
        c.step(); // asks for the header; the kernel copies it
        // the caller rewrites its DOF before the kernel copies it for the next round
        byte[] changed = dof.clone();
        ByteBuffer.wrap(changed).order(ByteOrder.LITTLE_ENDIAN).putLong(40, 1L << 20); // loadsz grows
        m.map(DOF_AT, changed);
        assertThat(c.run()).isEqualTo(-Errno.EINVAL);
        assertThat(requests.registrations()).isEmpty();
    }

    @Test
    void wrongSizeForTheStateIsRefusedAndTheNextRequestIsUnaffected() throws Exception {
        SimulatedCuseKernel kernel = new SimulatedCuseKernel(device, 8);
        byte[] dof = Files.readAllBytes(corpus().get(0));
        SimulatedCuseKernel.Call c = kernel.call(pid, ADDDOF, HELPER_AT, caller(dof));
        c.step();
        c.in = java.util.Arrays.copyOf(c.in, 79); // a kernel that sent the wrong amount
        assertThat(c.run()).isEqualTo(-Errno.EINVAL);
        SimulatedCuseKernel.Call stray = kernel.call(pid, ADDDOF, HELPER_AT, caller(dof));
        stray.in = new byte[80]; // data with no request in progress
        assertThat(stray.run()).isEqualTo(-Errno.EINVAL);
        assertThat(kernel.call(pid, ADDDOF, HELPER_AT, caller(dof)).run()).isGreaterThanOrEqualTo(0);
    }

    @Test
    void interleavedCallersKeepTheirOwnState() throws Exception {
        List<Integer> tids = threadIds();
        SimulatedCuseKernel kernel = new SimulatedCuseKernel(device, 9);
        byte[] a = DofFiles.padded(corpus().get(0), 200_000);
        byte[] b = Files.readAllBytes(corpus().get(4));
        SimulatedCuseKernel.Call ca = kernel.call(tids.get(0), ADDDOF, HELPER_AT, caller(a));
        SimulatedCuseKernel.Call cb = kernel.call(tids.get(1), ADDDOF, HELPER_AT, caller(b));
        while (!ca.done() || !cb.done()) {
            if (!ca.done()) {
                ca.step();
            }
            if (!cb.done()) {
                cb.step();
            }
        }
        // one process, so the two generations are 0 and 1 in the order the requests completed
        assertThat(List.of(ca.result, cb.result)).containsExactlyInAnyOrder(0, 1);
        List<InMemoryHelperRequests.Registration> regs = requests.live(pid);
        assertThat(regs).hasSize(2);
        assertThat(regs).anyMatch(r -> r.caller().tid() == tids.get(0) && java.util.Arrays.equals(r.dof(), a));
        assertThat(regs).anyMatch(r -> r.caller().tid() == tids.get(1) && java.util.Arrays.equals(r.dof(), b));
        assertThat(regs).allMatch(r -> r.caller().pid() == pid);
    }

    @Test
    void removeCarriesTheGenerationByValue() throws Exception {
        SimulatedCuseKernel kernel = new SimulatedCuseKernel(device, 10);
        int gen = kernel.call(pid, ADDDOF, HELPER_AT, caller(Files.readAllBytes(corpus().get(0)))).run();
        SimulatedCuseKernel.Call rm = kernel.call(pid, HelperIoctl.REMOVE_CMD, gen, new SimulatedCuseKernel.Memory());
        assertThat(rm.run()).isZero();
        assertThat(rm.rounds).isEqualTo(1);
        assertThat(requests.live(pid)).isEmpty();
        assertThat(kernel.call(pid, HelperIoctl.REMOVE_CMD, 999, new SimulatedCuseKernel.Memory()).run()).isZero();
        assertThat(requests.removals()).extracting(InMemoryHelperRequests.Removal::known).containsExactly(true, false);
    }

    @Test
    void otherRequests() throws Exception {
        SimulatedCuseKernel kernel = new SimulatedCuseKernel(device, 11);
        byte[] init = kernel.handleFrame(FuseFrames.request(4096, 1, 0, 0, FuseFrames.ints(7, 38, 0, 1)));
        assertThat(new String(init, 96, init.length - 96, java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo("DEVNAME=dtrace/helper\0");
        assertThat(device.initialised().getCount()).isZero();
        ByteBuffer open = ByteBuffer.wrap(kernel.handleFrame(FuseFrames.request(14, 2, 0, pid, FuseFrames.ints(0x8002, 0))))
                .order(ByteOrder.LITTLE_ENDIAN);
        assertThat(open.getInt(0)).isEqualTo(32);
        assertThat(open.getInt(4)).isZero();
        assertThat(kernel.handleFrame(FuseFrames.request(18, 3, 0, pid, new byte[24]))).hasSize(16);
        assertThat(kernel.handleFrame(FuseFrames.request(36, 4, 0, pid, FuseFrames.ints(2, 0)))).isNull();
        ByteBuffer read = ByteBuffer.wrap(kernel.handleFrame(FuseFrames.request(15, 5, 0, pid, new byte[40])))
                .order(ByteOrder.LITTLE_ENDIAN);
        assertThat(read.getInt(4)).isEqualTo(-38);
    }

    /** Two real thread ids of this JVM other than each other. */
    private static List<Integer> threadIds() throws Exception {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/task"))) {
            List<Integer> t = s.map(p -> Integer.parseInt(p.getFileName().toString())).sorted().collect(Collectors.toList());
            assertThat(t.size()).isGreaterThanOrEqualTo(2);
            return t.subList(t.size() - 2, t.size());
        }
    }
}
