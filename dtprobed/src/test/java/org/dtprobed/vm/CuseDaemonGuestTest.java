package org.dtprobed.vm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.dtprobed.dof.Corpus;
import org.dtprobed.dof.DofHeader;
import org.dtprobed.dof.write.DofWriter;
import org.dtprobed.dof.write.ProbeSpec;
import org.dtprobed.dof.write.ProviderSpec;
import org.dtprobed.jail.ChildJars;
import org.junit.jupiter.api.Test;

/**
 * The whole daemon with {@code --transport cuse} on a real Debian 6.1 kernel in the qemu guest:
 * corpus DOF, chunked DOF with a short last chunk, a worker thread, a non-root client, hostile
 * callers, REMOVE with dtrace-utils' own number, and unmodified libusdt enabling and disabling a
 * provider, all checked through the query socket (scripts/lib/cuse-daemon-guest-check.sh).
 */
class CuseDaemonGuestTest {
    /** Under TCG on a loaded 2-core machine a JVM start takes seconds: a liveness bound, not a timing. */
    @Test
    @org.junit.jupiter.api.Timeout(value = 20, unit = TimeUnit.MINUTES)
    void theDaemonServesCuseOnA61Kernel() throws Exception {
        GuestVm vm = GuestVm.prepare();
        Path root = vm.repoRoot();
        Path dir = root.resolve("dtprobed/target/cuse-daemon");
        deleteTree(dir);
        Files.createDirectories(dir.resolve("corpus"));
        Path c = root.resolve("dtprobed/src/test/c");
        gcc(dir, "-O2", "-Wall", "-I" + c, "-o", dir.resolve("helper_client").toString(),
                c.resolve("helper_client.c").toString(), "-lpthread");
        boolean libusdt = buildLibusdtDriver(dir, c);
        for (Path blob : Corpus.blobs()) {
            Files.copy(blob, dir.resolve("corpus").resolve(blob.getFileName()));
        }
        Files.write(dir.resolve("large.dof"), chunkedDof(3 * 65536 + 63));
        byte[] huge = Corpus.read("libusdt-1.dof");
        ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putLong(DofHeader.OFF_LOADSZ, 1L << 30);
        Files.write(dir.resolve("huge.dof"), huge);
        byte[] random = new byte[4096];
        new java.util.SplittableRandom(5).nextBytes(random);
        Files.write(dir.resolve("random.dof"), random);
        List<Path> parserJars = parserJars(dir.resolve("jars"));
        makeReadable(dir);

        List<String> cmd = new ArrayList<>(List.of("bash", root.resolve("scripts/lib/cuse-daemon-guest-check.sh").toString(),
                dir.toString(), Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                System.getProperty("java.class.path"),
                String.join(":", parserJars.stream().map(Path::toString).toList())));
        cmd.addAll(org.dtprobed.daemon.DaemonProcess.jvmFlags());
        GuestRun run = vm.run("cuse-daemon", Duration.ofMinutes(10), cmd);
        assertThat(run.exitCode()).as(run.describe()).isZero();
        assertThat(run.output()).as(run.describe()).contains("failures: 0").contains("ok   REMOVE takes the probes away")
                .doesNotContain("FAIL");
        if (libusdt) {
            assertThat(run.output()).contains("ok   libusdt provider gone on disable");
        }
    }

    /** One provider of 800 probes, padded so the load size is {@code size}: chunks of 64 KiB, then a short one. */
    private static byte[] chunkedDof(int size) {
        List<ProbeSpec> probes = new ArrayList<>();
        for (int i = 0; i < 800; i++) {
            probes.add(ProbeSpec.builder("fn" + i, "probe" + i).address(0x1000 + 16L * i).args("int").offsets(4).build());
        }
        byte[] dof = DofWriter.builder().provider(new ProviderSpec("alpha", probes)).build();
        assertThat(dof.length).isLessThan(size);
        byte[] padded = Arrays.copyOf(dof, size);
        ByteBuffer.wrap(padded).order(ByteOrder.LITTLE_ENDIAN).putLong(DofHeader.OFF_LOADSZ, size)
                .putLong(DofHeader.OFF_FILESZ, size);
        return padded;
    }

    /** The parser children's jars in the checkout (the guest's /tmp is its own), readable by nobody. */
    private static List<Path> parserJars(Path into) throws IOException {
        Files.createDirectories(into);
        List<Path> out = new ArrayList<>();
        try (ChildJars jars = ChildJars.create()) {
            for (Path j : jars.jars()) {
                out.add(Files.copy(j, into.resolve(j.getFileName()), StandardCopyOption.REPLACE_EXISTING));
            }
        }
        return out;
    }

    /** Unmodified libusdt from npm, built against the project's sys/dtrace.h shim; false when npm is unreachable. */
    private static boolean buildLibusdtDriver(Path dir, Path c) throws Exception {
        Path work = Files.createDirectories(dir.resolve("libusdt-build"));
        if (exec(work, "npm", "pack", "--silent", "dtrace-provider@0.8.8") != 0) {
            return false;
        }
        assertThat(exec(work, "tar", "xzf", "dtrace-provider-0.8.8.tgz")).isZero();
        Path lib = work.resolve("package/libusdt");
        assertThat(exec(lib, "make", "CFLAGS=-O2 -Wall -D_GNU_SOURCE -fPIC -I" + c)).isZero();
        assertThat(exec(lib, "gcc", "-O2", "-Wall", "-I.", "-I" + c, "-o", dir.resolve("usdt_driver").toString(),
                c.resolve("usdt_driver.c").toString(), "libusdt.a")).isZero();
        return true;
    }

    private static void gcc(Path cwd, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("gcc"));
        cmd.addAll(List.of(args));
        assertThat(exec(cwd, cmd.toArray(String[]::new))).as("gcc %s", cmd).isZero();
    }

    private static int exec(Path cwd, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " timed out: " + out);
        }
        if (p.exitValue() != 0) {
            System.err.println(String.join(" ", cmd) + ": " + out);
        }
        return p.exitValue();
    }

    private static void makeReadable(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.toList()) {
                boolean exec = Files.isDirectory(p) || Files.isExecutable(p);
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(exec ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
