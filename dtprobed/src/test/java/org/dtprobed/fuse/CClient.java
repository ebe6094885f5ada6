package org.dtprobed.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** The C helper client (src/test/c/helper_client.c), compiled with gcc by the test. */
public final class CClient {
    static final Path C_SOURCES = Path.of("src/test/c").toAbsolutePath();

    private final Path binary;

    private CClient(Path binary) {
        this.binary = binary;
    }

    /** Compiles into {@code dir}, which is made world-readable so that uid 65534 can run it. */
    public static CClient compile(Path dir) throws IOException, InterruptedException {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path out = dir.resolve("helper_client");
        Process gcc = new ProcessBuilder("gcc", "-O2", "-Wall", "-Werror", "-I" + C_SOURCES,
                "-o", out.toString(), C_SOURCES.resolve("helper_client.c").toString(), "-lpthread")
                .redirectErrorStream(true).start();
        String log = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(gcc.waitFor()).as("gcc: %s", log).isZero();
        return new CClient(out);
    }

    public Path binary() {
        return binary;
    }

    /** Runs the client as root with {@code DTRACE_DOF_INIT_DEVNAME=device}. */
    public Result run(Path device, String... args) throws IOException, InterruptedException {
        return finish(start(device, false, args));
    }

    /** Runs the client as uid/gid 65534 (nobody). */
    public Result runAsNobody(Path device, String... args) throws IOException, InterruptedException {
        return finish(start(device, true, args));
    }

    public Process start(Path device, boolean nobody, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        if (nobody) {
            cmd.addAll(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"));
        }
        cmd.add(binary.toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().put("DTRACE_DOF_INIT_DEVNAME", device.toString());
        return pb.start();
    }

    /** Reads a started client's output up to its "adddof gen=" line and returns its pid; fails on an errno. */
    public static int awaitRegistered(Process p) throws IOException {
        java.io.BufferedReader r = new java.io.BufferedReader(
                new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        int pid = -1;
        StringBuilder seen = new StringBuilder();
        for (String line = r.readLine(); line != null; line = r.readLine()) {
            seen.append(line).append('\n');
            if (line.startsWith("pid=")) {
                pid = Integer.parseInt(line.split("[= ]")[1]);
            } else if (line.startsWith("adddof gen=")) {
                return pid;
            } else if (line.startsWith("adddof errno=")) {
                break;
            }
        }
        throw new AssertionError("registration failed: " + seen);
    }

    public static Result finish(Process p) throws IOException, InterruptedException {
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("client did not finish; output so far: " + out);
        }
        assertThat(p.exitValue()).as("client exit status; output: %s", out).isZero();
        return new Result(List.of(out.split("\n")));
    }

    /** The client's output lines ({@code key=value ...}). */
    public record Result(List<String> lines) {
        /** The value of {@code key} on the first line that starts with {@code event}. */
        public Optional<String> value(String event, String key) {
            for (String line : lines) {
                if (line.startsWith(event + " ") || line.startsWith(event + "=")) {
                    for (String kv : line.split(" ")) {
                        if (kv.startsWith(key + "=")) {
                            return Optional.of(kv.substring(key.length() + 1));
                        }
                    }
                }
            }
            return Optional.empty();
        }

        public int pid() {
            return Integer.parseInt(value("pid", "pid").orElseThrow(() -> new AssertionError("no pid line: " + lines)));
        }

        /** The generation, or fails with the output. */
        public int gen() {
            return Integer.parseInt(value("adddof", "gen").orElseThrow(() -> new AssertionError("no gen: " + lines)));
        }

        public int addErrno() {
            return Integer.parseInt(value("adddof", "errno").orElseThrow(() -> new AssertionError("no errno: " + lines)));
        }

        public int addTid() {
            return Integer.parseInt(value("adddof", "tid").orElseThrow());
        }

        @Override
        public String toString() {
            return String.join("\n", lines);
        }
    }
}
