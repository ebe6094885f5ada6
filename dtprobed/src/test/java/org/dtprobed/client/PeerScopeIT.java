package org.dtprobed.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.dtprobed.query.ProbeIndex;
import org.dtprobed.testkit.Capability;
import org.dtprobed.testkit.Requires;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scoping by peer credentials with a real non-root peer: {@code dtprobe} runs as {@code nobody}
 * (setpriv) in a child JVM and sees only the processes running as nobody, whatever it asks for.
 */
@Requires(Capability.ROOT)
class PeerScopeIT {
    private static final int NOBODY = 65534;

    @TempDir
    Path tmp;

    @Test
    void nobodySeesOnlyItsOwnProcesses() throws Exception {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        ProbeIndex ix = new ProbeIndex();
        ix.add(ServerFixture.registration(100, 0, 1, "rootprov:f:a", "shared:f:b"));
        ix.add(ServerFixture.registration(200, NOBODY, 1, "nobodyprov:f:a", "shared:f:b"));
        ix.add(ServerFixture.registration(300, 1000, 1, "userprov:f:a"));
        String cp = ChildJvm.copyForOtherUsers(tmp.resolve("cp"));
        try (ServerFixture f = new ServerFixture(tmp, ix, Duration.ofSeconds(15))) {
            JsonNode all = asNobody(cp, f, 0, "list", "--json");
            assertThat(all).extracting(n -> n.path("provider").asText())
                    .containsExactlyInAnyOrder("nobodyprov200", "shared200");
            assertThat(asNobody(cp, f, 1, "list", "--json", "-p", "100")).isEmpty(); // 1: nothing matched
            assertThat(asNobody(cp, f, 1, "list", "--json", "-n", "rootprov100:::")).isEmpty();
            // the one stderr line says the scope hid what matched
            assertThat(Files.readString(tmp.resolve("stderr"))).isEqualTo("dtprobe: no probe matches rootprov100:::"
                    + " that you may see; 1 probe of other users' processes (shown only to root or their owner)"
                    + " matches\n");
            asNobody(cp, f, 0, "list", "shared:::");
            assertThat(Files.readString(tmp.resolve("stderr"))).isEqualTo("dtprobe: 1 probe of other users'"
                    + " processes (shown only to root or their owner) matches as well\n");
            assertThat(asNobody(cp, f, 0, "pids", "--json")).extracting(n -> n.path("pid").asInt()).containsExactly(200);
            // root, through the same server, sees every process
            assertThat(ServerFixture.run("--socket", f.socket.toString(), "list", "--json").out())
                    .contains("rootprov100", "nobodyprov200", "userprov300");
        }
    }

    private static JsonNode asNobody(String cp, ServerFixture f, int rc, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY,
                "--clear-groups", "--"));
        List<String> all = new ArrayList<>(List.of("--socket", f.socket.toString()));
        all.addAll(List.of(args));
        cmd.addAll(ChildJvm.dtprobe(cp, all.toArray(new String[0])));
        Process p = new ProcessBuilder(cmd).directory(Path.of("/").toFile())
                .redirectError(f.socket.resolveSibling("stderr").toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("dtprobe as nobody: %s", out).isEqualTo(rc);
        System.err.print(Files.readString(f.socket.resolveSibling("stderr")));
        return args[0].equals("list") && !List.of(args).contains("--json") ? null : new ObjectMapper().readTree(out);
    }
}
