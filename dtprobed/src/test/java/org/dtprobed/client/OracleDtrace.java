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
public final class OracleDtrace {
    private static final Path SOURCES = Path.of("src/test/c/oracle").toAbsolutePath();

    private OracleDtrace() {
    }

    /** Where the built DTrace lives ({@code bin/dtrace}). */
    public static Path home() throws IOException, InterruptedException {
        Path build = Corpus.dir().resolveSibling("oracle-dtrace").resolve("build");
        return Path.of(run(Path.of("/"), 1800, build.toString()).strip());
    }

    /** Builds holdprog (provider holdprov: req_done(int, char *), tick(long)) in {@code dir}. */
    public static Path holdprog(Path dir) throws IOException, InterruptedException {
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
     * The shared-library programs of {@code src/test/c/oracle} (treehost.c, treelib.c): {@code treepie}, a PIE
     * executable linked with the {@code -G} library {@code libtreelib.so} (provider treelib), and
     * {@code treehost}, a non-PIE executable with probes of its own (provider treeprov); both take
     * the commands of treehost.c (dlopen/dlclose, fork, exec, fire).
     */
    public record TreePrograms(Path treepie, Path treehost, Path libtreelib) {
    }

    /** Builds {@link TreePrograms} in {@code dir} as users build them (dtrace -h, -G; gcc). */
    public static TreePrograms treePrograms(Path dir) throws IOException, InterruptedException {
        Path lib = gLibrary(dir, "treelib", "treelib", "libtreelib.so", "treehost.c", "treeprov.d");
        String dt = home().resolve("bin/dtrace").toString();
        run(dir, 120, dt, "-xnolibs", "-h", "-s", "treeprov.d", "-o", "treeprov.h");
        // ld refuses -G output in a PIE executable itself; a PIE linked with a -G library is fine
        run(dir, 120, "gcc", "-O2", "-DLINKED_LIB", "-o", "treepie", "treehost.c", "-L.", "-ltreelib",
                "-Wl,-rpath," + dir, "-ldl", "-lpthread");
        run(dir, 120, "gcc", "-O2", "-DOWN_PROBES", "-c", "treehost.c", "-o", "treehost.o");
        run(dir, 120, dt, "-xnolibs", "-G", "-s", "treeprov.d", "treehost.o", "-o", "treeprov.o");
        run(dir, 120, "gcc", "-no-pie", "-o", "treehost", "treehost.o", "treeprov.o", "-ldl", "-lpthread");
        return new TreePrograms(dir.resolve("treepie"), dir.resolve("treehost"), lib);
    }

    /** A shared library built with {@code dtrace -G} and the program that dlopens it: {@link #dlclose}. */
    record DlcloseProgram(Path host, Path library) {
    }

    /**
     * Builds {@code livelib.so} (provider liveprov: go(int), DOF and drti.o linked in by {@code -G})
     * and {@code dlhost}, a PIE program without DOF (treehost.c built without probes) that dlopens
     * and dlcloses it on command.
     */
    static DlcloseProgram dlclose(Path dir) throws IOException, InterruptedException {
        Path lib = gLibrary(dir, "livelib", "liveprov", "livelib.so", "treehost.c");
        run(dir, 120, "gcc", "-O2", "-o", "dlhost", "treehost.c", "-ldl", "-lpthread");
        return new DlcloseProgram(dir.resolve("dlhost"), lib);
    }

    /**
     * Builds the shared library {@code so} from {@code NAME.c} and its provider
     * {@code provider.d} as users build one: {@code dtrace -h}, {@code gcc -fPIC}, {@code dtrace -G},
     * {@code gcc -shared}. The sources are copied into {@code dir} with {@code more} (the host's).
     */
    private static Path gLibrary(Path dir, String name, String provider, String so, String... more)
            throws IOException, InterruptedException {
        String dtrace = home().resolve("bin/dtrace").toString();
        List<String> files = new java.util.ArrayList<>(List.of(name + ".c", provider + ".d"));
        files.addAll(List.of(more));
        for (String f : files) {
            Files.copy(SOURCES.resolve(f), dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        run(dir, 120, dtrace, "-xnolibs", "-h", "-s", provider + ".d", "-o", provider + ".h");
        run(dir, 120, "gcc", "-O2", "-fPIC", "-c", name + ".c", "-o", name + ".o");
        run(dir, 120, dtrace, "-xnolibs", "-G", "-s", provider + ".d", name + ".o", "-o", name + "prov.o");
        run(dir, 120, "gcc", "-shared", "-o", so, name + ".o", name + "prov.o");
        return dir.resolve(so);
    }

    /** Runs a build step in {@code dir}; fails the test unless it exits 0 within {@code seconds}. Returns its stdout. */
    public static String run(Path dir, int seconds, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(seconds, TimeUnit.SECONDS)).as("%s finished", List.of(cmd)).isTrue();
        assertThat(p.exitValue()).as("%s: %s", List.of(cmd), out).isZero();
        return out;
    }
}
