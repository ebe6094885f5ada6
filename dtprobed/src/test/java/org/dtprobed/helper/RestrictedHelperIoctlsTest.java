package org.dtprobed.helper;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import jnr.ffi.Pointer;
import org.dtprobed.dof.DofHelper;
import org.dtprobed.dof.DofLimits;
import org.dtprobed.linux.Errno;
import org.dtprobed.linux.Native;
import org.dtprobed.proc.ProcFs;
import org.dtprobed.proc.ProcessMemory;
import org.dtprobed.testkit.Corpus;
import org.junit.jupiter.api.Test;

/**
 * The FUSE-file conversation reads the caller's memory (here this JVM's own native memory, through
 * the real {@code process_vm_readv}): a DOF within the 4 KiB block its header starts in is read
 * once, a longer one or one that crosses the block end a second time, and the bytes registered
 * are the caller's whatever the placement.
 */
class RestrictedHelperIoctlsTest {
    private static final int BLOCK = 4096;
    private final int pid = (int) ProcessHandle.current().pid();
    private final InMemoryHelperRequests requests = new InMemoryHelperRequests();
    private final List<Integer> reads = new ArrayList<>();
    private final ProcessMemory system = ProcessMemory.system();
    /** The real reader, with each read's length noted. */
    private final ProcessMemory counted = (p, address, dst, off, len) -> {
        reads.add(len);
        system.read(p, address, dst, off, len);
    };
    private final RestrictedHelperIoctls ioctls = new RestrictedHelperIoctls(requests, DofLimits.DEFAULT, counted,
            new CallerResolver(ProcFs.SYSTEM));
    /** Three blocks of this process's memory, the first at a block boundary. */
    private final Pointer memory = Native.load().allocate(4 * BLOCK);
    private final long base = (memory.address() + BLOCK - 1) & -BLOCK;

    private IoctlReply register(byte[] dof, int offsetInBlock) {
        long at = base + offsetInBlock;
        memory.put(at - memory.address(), dof, 0, dof.length);
        byte[] helper = new DofHelper("m", 0, at).encode();
        return ioctls.handle(new IoctlRequest(pid, 0, 0, HelperIoctl.ADDDOF_CMD, 0x1000, helper));
    }

    /** Registers {@code dof} placed at {@code offsetInBlock}: it gets the next generation, read in reads of these lengths. */
    private void registersWithReads(String corpusName, int offsetInBlock, Integer... lengths) throws Exception {
        byte[] dof = Corpus.read(corpusName);
        int generation = requests.registrations().size();
        int before = reads.size();
        assertThat(register(dof, offsetInBlock)).isEqualTo(new IoctlReply.Result(generation));
        assertThat(reads.subList(before, reads.size())).containsExactly(lengths);
        assertThat(requests.registrations().get(generation).dof()).isEqualTo(dof);
    }

    @Test
    void aDofWithinItsHeadersBlockIsReadOnce() throws Exception {
        registersWithReads("libusdt-2.dof", 0x100, BLOCK - 0x100);
    }

    @Test
    void aDofBeyondTheBlockIsReadAgainWhole() throws Exception {
        registersWithReads("libusdt-2.dof", BLOCK - 200, 200, 752);
        assertThat(Corpus.read("libusdt-5.dof").length).isGreaterThan(BLOCK);
        registersWithReads("libusdt-5.dof", 0, BLOCK, Corpus.read("libusdt-5.dof").length);
    }

    @Test
    void aHeaderAcrossTheBlockEndIsReadAsItsSixtyFourBytes() throws Exception {
        registersWithReads("libusdt-1.dof", BLOCK - 20, 64, 384);
    }

    @Test
    void anUnreadableHeaderGetsEfault() {
        byte[] helper = new DofHelper("m", 0, 0x10).encode();
        IoctlReply r = ioctls.handle(new IoctlRequest(pid, 0, 0, HelperIoctl.ADDDOF_CMD, 0x1000, helper));
        assertThat(r).isInstanceOf(IoctlReply.Failure.class);
        assertThat(((IoctlReply.Failure) r).errno()).isEqualTo(Errno.EFAULT);
        assertThat(requests.registrations()).isEmpty();
    }

    /** A header whose load size claims more than its block holds: the claimed length is read, as the caller has it. */
    @Test
    void aLoadSizeBeyondTheBlockIsReadAsClaimed() throws Exception {
        byte[] dof = Corpus.read("libusdt-2.dof");
        byte[] claims = Arrays.copyOf(dof, dof.length);
        java.nio.ByteBuffer.wrap(claims).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(40, 3 * BLOCK)
                .putLong(48, 3 * BLOCK);
        memory.setMemory(0, 4 * BLOCK, (byte) 0);
        IoctlReply r = register(claims, 0);
        assertThat(reads).containsExactly(BLOCK, 3 * BLOCK);
        // zeros after a valid DOF parse as nothing more: it is registered as read
        assertThat(r).isEqualTo(new IoctlReply.Result(0));
        byte[] registered = requests.registrations().get(0).dof();
        assertThat(registered).hasSize(3 * BLOCK);
        assertThat(Arrays.copyOf(registered, claims.length)).isEqualTo(claims);
    }
}
