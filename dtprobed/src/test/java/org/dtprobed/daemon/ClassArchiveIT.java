package org.dtprobed.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.dtprobed.jail.ChildJars;
import org.dtprobed.testkit.Capability;
import org.dtprobed.testkit.Corpus;
import org.dtprobed.testkit.Requires;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --parser-class-archive}: a missing archive is made once and mapped by the parser child; one
 * the JVM cannot use (garbage, as a stale archive of another JDK or other jars is to it) costs
 * nothing but the time it would have saved: the daemon is ready and its child parses.
 */
@Requires({Capability.ROOT, Capability.FUSE, Capability.GCC})
class ClassArchiveIT {
    @TempDir
    Path tmp;

    @Test
    void aMissingArchiveIsMadeAndMappedByTheParserChild() throws Exception {
        Path archive = tmp.resolve("parser.jsa");
        try (ChildJars jars = ChildJars.create();
             DaemonProcess daemon = DaemonProcess.start(tmp.resolve("state"), device("made"), jars.jars(),
                     "--parser-class-archive", archive.toString())) {
            assertThat(archive).isRegularFile();
            long child = daemon.stats().get("parser_pids").get(0).asLong();
            assertThat(Files.readString(Path.of("/proc", Long.toString(child), "maps"))).contains(archive.toString());
            assertThat(register(daemon)).isEqualTo("0");
        }
    }

    @Test
    void anArchiveTheJvmRefusesIsHarmless() throws Exception {
        Path archive = tmp.resolve("parser.jsa");
        byte[] junk = new byte[64 * 1024];
        new java.util.Random(16).nextBytes(junk);
        Files.write(archive, junk);
        try (ChildJars jars = ChildJars.create();
             DaemonProcess daemon = DaemonProcess.start(tmp.resolve("state"), device("junk"), jars.jars(),
                     "--parser-class-archive", archive.toString())) {
            long child = daemon.stats().get("parser_pids").get(0).asLong();
            assertThat(Files.readString(Path.of("/proc", Long.toString(child), "maps"))).doesNotContain(archive.toString());
            assertThat(register(daemon)).isEqualTo("0");
            assertThat(Files.readAllBytes(archive)).as("left as it was").isEqualTo(junk);
        }
    }

    private static String device(String what) {
        return "dtrace/cds-" + what + "-" + ProcessHandle.current().pid();
    }

    /** One distinct DOF (a parse in the child) registered by a C client; returns the failure count. */
    private String register(DaemonProcess daemon) throws Exception {
        Path regbench = tmp.resolve("regbench");
        Path src = Corpus.repoRoot().resolve("scripts/bench/c/regbench.c");
        Process gcc = new ProcessBuilder("gcc", "-O2", "-o", regbench.toString(), src.toString())
                .redirectErrorStream(true).start();
        assertThat(gcc.waitFor()).as(new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();
        Process p = new ProcessBuilder(regbench.toString(), "latency", daemon.device().toString(), "1",
                Corpus.dir().resolve("libusdt-2.dof").toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("%s\n%s", out, daemon.log()).isZero();
        return out.substring(out.indexOf("failures=") + "failures=".length()).trim();
    }
}
