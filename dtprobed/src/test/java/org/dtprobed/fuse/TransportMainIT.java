package org.dtprobed.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.dtprobed.helper.InMemoryHelperRequests;
import org.dtprobed.testkit.Capability;
import org.dtprobed.testkit.Requires;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TransportMain in a child JVM: bad arguments, and a restart after kill -9 left a dead mount behind. */
class TransportMainIT {
    @TempDir
    Path dir;

    static List<String> java(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-XX:+IgnoreUnrecognizedVMOptions",
                "-cp", System.getProperty("java.class.path"), TransportMain.class.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    record Exit(int status, String stderr) {
    }

    static Exit run(String... args) throws Exception {
        Process p = new ProcessBuilder(java(args)).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Exit(p.exitValue(), err);
    }

    @Test
    void badArgumentsExitTwoWithOneLine() throws Exception {
        Exit bogus = run("--transport", "bogus", "--device", "dtrace/test-none");
        assertThat(bogus.status()).isEqualTo(2);
        assertThat(bogus.stderr()).isEqualTo("dtprobed-transport: transport 'bogus': expected auto, cuse or fuse\n");
        Exit escape = run("--transport", "fuse", "--device", "../etc/x");
        assertThat(escape.status()).isEqualTo(2);
        assertThat(escape.stderr()).isEqualTo(
                "dtprobed-transport: device name '../etc/x' must be a relative path under /dev\n");
        Exit workers = run("--workers", "0");
        assertThat(workers.status()).isEqualTo(2);
        assertThat(workers.stderr()).isEqualTo("dtprobed-transport: workers must be at least 1, got 0\n");
    }

    @Test
    @Requires({Capability.ROOT, Capability.FUSE})
    void restartAfterKill9ReplacesTheDeadMountAndTheStaleLink() throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        String device = "dtrace/test-restart-" + ProcessHandle.current().pid();
        Path mnt = dir.resolve("helperfs");
        Process first = new ProcessBuilder(java("--transport", "fuse", "--device", device, "--mountpoint", mnt.toString()))
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(first.getInputStream(), StandardCharsets.UTF_8));
        assertThat(out.readLine()).isEqualTo("ready fuse-file /dev/" + device);
        first.destroyForcibly().waitFor(); // SIGKILL: no unmount, no symlink removal
        Path link = Path.of("/dev", device);
        assertThat(Files.isSymbolicLink(link)).isTrue();

        InMemoryHelperRequests requests = new InMemoryHelperRequests();
        try (FuseFileTransport second = FuseFileTransport.start(
                TransportConfig.defaults().withDeviceName(device).withMountpoint(mnt), requests)) {
            CClient client = CClient.compile(dir);
            CClient.Result r = client.run(second.devicePath(), DofFiles.corpus().get(0).toString());
            assertThat(r.gen()).isZero();
            assertThat(requests.live(r.pid())).hasSize(1);
        }
        assertThat(Files.exists(link, LinkOption.NOFOLLOW_LINKS)).isFalse();
    }
}
