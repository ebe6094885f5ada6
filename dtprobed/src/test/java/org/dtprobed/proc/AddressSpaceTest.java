package org.dtprobed.proc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.dtprobed.testkit.Capability;
import org.dtprobed.testkit.Requires;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kernel's answers (PROCMAP_QUERY) held against the maps text, mapping by mapping, on real
 * processes: a C program with the odd cases (a deleted file with a space in its name, anonymous
 * memory, one file mapped twice, once executable) and this JVM.
 */
@Requires({Capability.PROCMAP_QUERY, Capability.GCC})
class AddressSpaceTest {
    /** The text lists the legacy vsyscall page, which is no mapping of the process's own to ask about. */
    private static final String VSYSCALL = "[vsyscall]";

    @TempDir
    Path tmp;

    @Test
    void theKernelAnswersAsTheTextDoesForEveryMappingOfARealProcess() throws Exception {
        assertThat(ProcFs.SYSTEM.queriesKernel()).isTrue();
        assertThat(ProcFs.SYSTEM_TEXT.queriesKernel()).isFalse();
        try (Target t = Target.start(tmp)) {
            List<Mapping> text = ProcFs.SYSTEM_TEXT.maps(t.pid);
            try (AddressSpace kernel = ProcFs.SYSTEM.addressSpace(t.pid)) {
                assertThat(kernel).isInstanceOf(QueriedSpace.class);
                AddressSpace fromText = AddressSpace.of(text);
                for (Mapping m : text) {
                    if (m.path().equals(VSYSCALL)) {
                        assertThat(kernel.mappingAt(m.start())).as("not a VMA of the process").isEmpty();
                        continue;
                    }
                    for (long a : new long[] {m.start(), m.start() + (m.end() - m.start()) / 2, m.end() - 1}) {
                        assertThat(kernel.mappingAt(a)).as("0x%x", a).contains(m);
                    }
                    assertThat(kernel.firstOf(m)).as("%s", m).isEqualTo(fromText.firstOf(m));
                }
                for (int i = 1; i < text.size(); i++) {
                    if (text.get(i - 1).end() < text.get(i).start()) {
                        assertThat(kernel.mappingAt(text.get(i - 1).end())).isEmpty();
                    }
                }
                assertThat(kernel.mappingAt(0x10)).isEmpty();
                assertThat(kernel.mappingAt(-1L)).isEmpty();
                Mapping deleted = kernel.mappingAt(t.deleted).orElseThrow();
                assertThat(deleted.deleted()).isTrue();
                assertThat(deleted.path()).isEqualTo(tmp.resolve("deleted file").toString());
                assertThat(kernel.mappingAt(t.anon).orElseThrow().anonymous()).isTrue();
                ProcStat stat = ProcFs.SYSTEM.stat(t.pid);
                assertThat(ProcFs.SYSTEM.executable(t.pid, kernel, stat)).isEqualTo(ProcFs.SYSTEM_TEXT.executable(t.pid));
            }
        }
    }

    /**
     * An unmapped address is remembered as the hole up to the next mapping: asked from either end
     * of each hole, and the mappings beside it asked afterwards, the answers stay the text's.
     */
    @Test
    void addressesInHolesAreUnmappedFromEitherEndAndTheirNeighboursStillAnswer() throws Exception {
        try (Target t = Target.start(tmp)) {
            List<Mapping> text = new ArrayList<>(ProcFs.SYSTEM_TEXT.maps(t.pid));
            text.removeIf(m -> m.path().equals(VSYSCALL));
            for (boolean fromTop : new boolean[] {false, true}) {
                try (AddressSpace kernel = ProcFs.SYSTEM.addressSpace(t.pid)) {
                    assertThat(kernel.mappingAt(0x10)).isEmpty();
                    assertThat(kernel.mappingAt(text.get(0).start() - 1)).isEmpty();
                    for (int i = 1; i < text.size(); i++) {
                        long lo = text.get(i - 1).end();
                        long hi = text.get(i).start();
                        if (lo < hi) {
                            long first = fromTop ? hi - 1 : lo;
                            long second = fromTop ? lo : hi - 1;
                            assertThat(kernel.mappingAt(first)).as("0x%x", first).isEmpty();
                            assertThat(kernel.mappingAt(second)).as("0x%x", second).isEmpty();
                            assertThat(kernel.mappingAt(lo + (hi - lo) / 2)).isEmpty();
                        }
                        assertThat(kernel.mappingAt(hi)).as("0x%x", hi).contains(text.get(i));
                        assertThat(kernel.mappingAt(lo - 1)).as("0x%x", lo - 1).contains(text.get(i - 1));
                    }
                    Mapping last = text.get(text.size() - 1);
                    assertThat(kernel.mappingAt(last.end())).isEmpty();
                    assertThat(kernel.mappingAt(-2L)).isEmpty();
                    assertThat(kernel.mappingAt(last.end() - 1)).contains(last);
                }
            }
        }
    }

    /**
     * The start-up scan's question: the kernel lists the executable file mappings (one question
     * each) as the text does; anonymous memory, the deleted read-only file and the read-only
     * mapping of a file also mapped executable are left out; a process gone by then is
     * NoSuchProcess on both routes.
     */
    @Test
    void executableFileMappingsAreTheTextsExecutableFileMappings() throws Exception {
        int pid;
        try (Target t = Target.start(tmp)) {
            pid = t.pid;
            List<Mapping> text = ProcFs.SYSTEM_TEXT.maps(t.pid);
            List<Mapping> expected = new ArrayList<>();
            for (Mapping m : text) {
                if (m.executable() && !m.anonymous()) {
                    expected.add(m);
                }
            }
            // "twice" is mapped read-only and executable: only the executable one is listed
            assertThat(expected).anyMatch(m -> m.path().endsWith("/twice")).anyMatch(m -> m.path().endsWith("maps_target"));
            assertThat(text).anyMatch(m -> m.path().endsWith("/twice") && !m.executable()).anyMatch(Mapping::deleted)
                    .anyMatch(Mapping::anonymous);
            try (AddressSpace kernel = ProcFs.SYSTEM.addressSpace(t.pid)) {
                assertThat(kernel.executableFileMappings()).containsExactlyElementsOf(expected);
            }
            assertThat(AddressSpace.of(text).executableFileMappings()).containsExactlyElementsOf(expected);
        }
        try (AddressSpace kernel = ProcFs.SYSTEM.addressSpace(pid)) {
            assertThatThrownBy(kernel::executableFileMappings).isInstanceOf(NoSuchProcessException.class);
        }
        assertThatThrownBy(() -> ProcFs.SYSTEM_TEXT.addressSpace(pid)).isInstanceOf(NoSuchProcessException.class);
    }

    @Test
    void thisJvmsStableMappingsAgree() throws Exception {
        int pid = (int) ProcessHandle.current().pid();
        List<Mapping> before = new ArrayList<>(ProcFs.SYSTEM_TEXT.maps(pid));
        List<Mapping> kernelSaw = new ArrayList<>();
        try (AddressSpace kernel = ProcFs.SYSTEM.addressSpace(pid)) {
            for (Mapping m : before) {
                kernel.mappingAt(m.start()).ifPresent(kernelSaw::add);
            }
        }
        before.removeIf(m -> m.path().equals(VSYSCALL));
        // threads and the heap come and go meanwhile: those seen by both text reads must agree
        Set<Mapping> stable = new HashSet<>(before);
        stable.retainAll(ProcFs.SYSTEM_TEXT.maps(pid));
        assertThat(stable).hasSizeGreaterThan(20);
        assertThat(kernelSaw).containsAll(stable);
        ProcStat stat = ProcFs.SYSTEM.stat(pid);
        try (AddressSpace kernel = ProcFs.SYSTEM.addressSpace(pid)) {
            assertThat(ProcFs.SYSTEM.executable(pid, kernel, stat)).isEqualTo(ProcFs.SYSTEM_TEXT.executable(pid));
        }
    }

    @Test
    void aProcessThatIsGoneIsNoSuchProcess() throws Exception {
        int pid;
        try (Target t = Target.start(tmp)) {
            pid = t.pid;
        }
        AddressSpace kernel = ProcFs.SYSTEM.addressSpace(pid);
        assertThatThrownBy(() -> kernel.mappingAt(0x1000)).isInstanceOf(NoSuchProcessException.class);
        assertThatThrownBy(() -> ProcFs.SYSTEM.stat(pid)).isInstanceOf(NoSuchProcessException.class);
    }

    /** {@code src/test/c/maps_target.c}, running until closed. */
    private static final class Target implements AutoCloseable {
        final Process process;
        final int pid;
        final long deleted;
        final long anon;

        private Target(Process process, long[] a) {
            this.process = process;
            this.pid = (int) process.pid();
            this.deleted = a[0];
            this.anon = a[1];
        }

        static Target start(Path dir) throws Exception {
            Path bin = dir.resolve("maps_target");
            if (!bin.toFile().exists()) {
                Process gcc = new ProcessBuilder("gcc", "-O2", "-o", bin.toString(),
                        Path.of("src/test/c/maps_target.c").toAbsolutePath().toString()).redirectErrorStream(true).start();
                String out = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(gcc.waitFor()).as(out).isZero();
            }
            Process p = new ProcessBuilder(bin.toString(), dir.toString()).redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            String line = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();
            assertThat(line).as("maps_target's addresses").isNotNull();
            String[] f = line.trim().split(" ");
            long[] a = new long[f.length];
            for (int i = 0; i < f.length; i++) {
                a[i] = Long.parseUnsignedLong(f[i], 16);
            }
            return new Target(p, a);
        }

        @Override
        public void close() throws Exception {
            process.getOutputStream().close();
            process.waitFor();
        }
    }
}
