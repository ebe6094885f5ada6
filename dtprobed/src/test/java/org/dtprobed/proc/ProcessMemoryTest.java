package org.dtprobed.proc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Optional;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import org.junit.jupiter.api.Test;

/** Both ways of reading process memory, on this JVM's own memory (the same kernel paths as another process's). */
class ProcessMemoryTest {
    final int pid = (int) ProcessHandle.current().pid();

    static Pointer filled(int size) {
        Pointer p = Memory.allocateDirect(Runtime.getSystemRuntime(), size);
        for (int i = 0; i < size; i++) {
            p.putByte(i, (byte) (i * 31 + 7));
        }
        return p;
    }

    static void check(ProcessMemory m, int pid) throws Exception {
        int size = 3 * (1 << 20) + 123; // more than one process_vm_readv window
        Pointer p = filled(size);
        byte[] got = m.read(pid, p.address(), size);
        for (int i = 0; i < size; i += 4099) {
            assertThat(got[i]).isEqualTo((byte) (i * 31 + 7));
        }
        assertThat(got[size - 1]).isEqualTo((byte) ((size - 1) * 31 + 7));
    }

    @Test
    void processVmReadv() throws Exception {
        check(VmReadvMemory.load().orElseThrow(), pid);
    }

    @Test
    void procPidMem() throws Exception {
        check(new ProcPidMemory(Path.of("/proc")), pid);
    }

    @Test
    void systemChoice() throws Exception {
        check(ProcessMemory.system(), pid);
    }

    @Test
    void unmappedAddressIsEfault() {
        for (ProcessMemory m : new ProcessMemory[] {VmReadvMemory.load().orElseThrow(), new ProcPidMemory(Path.of("/proc")),
                new FallbackProcessMemory(Optional.empty(), new ProcPidMemory(Path.of("/proc")))}) {
            assertThatThrownBy(() -> m.read(pid, 0x1000, 64)).isInstanceOf(UnreadableMemoryException.class)
                    .hasMessageContaining("pid " + pid + " range 0x1000+64 is not readable");
            assertThatThrownBy(() -> m.read(pid, -4096L, 64)).isInstanceOf(UnreadableMemoryException.class);
        }
    }

    @Test
    void readRunningPastTheEndOfAMappingIsEfault() throws Exception {
        // a readable mapping followed by a gap: the first bytes are there, the rest are not
        java.util.List<Mapping> maps = ProcFs.SYSTEM.maps(pid);
        Mapping edge = null;
        for (int i = 0; i + 1 < maps.size(); i++) {
            Mapping m = maps.get(i);
            if (m.perms().startsWith("r") && maps.get(i + 1).start() > m.end() && !m.path().startsWith("[v")) {
                edge = m;
                break;
            }
        }
        assertThat(edge).isNotNull();
        long at = edge.end() - 16;
        for (ProcessMemory m : new ProcessMemory[] {VmReadvMemory.load().orElseThrow(), new ProcPidMemory(Path.of("/proc"))}) {
            assertThat(m.read(pid, at, 16)).hasSize(16);
            assertThatThrownBy(() -> m.read(pid, at, 64)).isInstanceOf(UnreadableMemoryException.class);
        }
    }

    @Test
    void exitedProcessIsNoSuchProcess() throws Exception {
        Process child = new ProcessBuilder("true").start();
        child.waitFor();
        assertThatThrownBy(() -> ProcessMemory.system().read((int) child.pid(), 0x400000, 8))
                .isInstanceOf(NoSuchProcessException.class);
    }
}
