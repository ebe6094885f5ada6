package org.dtprobed.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.dtprobed.testkit.Corpus;

/**
 * Oracle's DTrace from {@code shared/oracle-dtrace} (built once per machine by its {@code build}
 * script, which needs root), and the test program {@code src/test/c/oracle/holdprog.c} built with
 * it as users build USDT programs: {@code dtrace -h}, {@code dtrace -G} (DOF and drti.o), a
 * non-PIE executable.
 */
final class OracleDtrace {
    private static final Path SOURCES = Path.of("src/test/c/oracle").toAbsolutePath();

    private OracleDtrace() {
    }

    /** Where the built DTrace lives ({@code bin/dtrace}). */
    static Path home() throws IOException, InterruptedException {
        Path build = Corpus.dir().resolveSibling("oracle-dtrace").resolve("build");
        return Path.of(run(Path.of("/"), 1800, build.toString()).strip());
    }

    /** Builds holdprog (provider holdprov: req_done(int, char *), tick(long)) in {@code dir}. */
    static Path holdprog(Path dir) throws IOException, InterruptedException {
        String dtrace = home().resolve("bin/dtrace").toString();
        for (String f : List.of("holdprog.c", "holdprov.d")) {
            Files.copy(SOURCES.resolve(f), dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        run(dir, 120, dtrace, "-xnolibs", "-h", "-s", "holdprov.d", "-o", "holdprov.h");
        run(dir, 120, "gcc", "-O2", "-c", "holdprog.c", "-o", "holdprog.o");
        run(dir, 120, dtrace, "-xnolibs", "-G", "-s", "holdprov.d", "holdprog.o", "-o", "holdprov.o");
        run(dir, 120, "gcc", "-no-pie", "-o", "holdprog", "holdprog.o", "holdprov.o");
        return dir.resolve("holdprog");
    }

    /**
     * Builds libholdlib.so (provider holdlib: work(int)) with {@code dtrace -G} and libuser, a PIE
     * executable linked against it (rpath $ORIGIN), in {@code dir}; returns libuser.
     */
    static Path libuser(Path dir) throws IOException, InterruptedException {
        String dtrace = home().resolve("bin/dtrace").toString();
        for (String f : List.of("holdlib.c", "holdlib.d", "libuser.c")) {
            Files.copy(SOURCES.resolve(f), dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        run(dir, 120, dtrace, "-xnolibs", "-h", "-s", "holdlib.d", "-o", "holdlib.h");
        run(dir, 120, "gcc", "-O2", "-fPIC", "-c", "holdlib.c", "-o", "holdlib.o");
        run(dir, 120, dtrace, "-xnolibs", "-G", "-s", "holdlib.d", "holdlib.o", "-o", "holdlibprov.o");
        run(dir, 120, "gcc", "-shared", "-o", "libholdlib.so", "holdlib.o", "holdlibprov.o");
        run(dir, 120, "gcc", "-O2", "-pie", "-fPIE", "-o", "libuser", "libuser.c", "-L.", "-lholdlib",
                "-Wl,-rpath,$ORIGIN");
        return dir.resolve("libuser");
    }

    private static String run(Path dir, int seconds, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(seconds, TimeUnit.SECONDS)).as("%s finished", List.of(cmd)).isTrue();
        assertThat(p.exitValue()).as("%s: %s", List.of(cmd), out).isZero();
        return out;
    }
}
