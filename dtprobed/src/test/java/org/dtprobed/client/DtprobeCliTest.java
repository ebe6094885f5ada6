package org.dtprobed.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.dtprobed.query.ProbeIndex;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code dtprobe} command line against a real server: output forms and exit codes. */
class DtprobeCliTest {
    @TempDir
    Path tmp;

    private ServerFixture f;

    @BeforeEach
    void start() throws Exception {
        ProbeIndex ix = new ProbeIndex();
        ix.add(ServerFixture.registration(4321, 0, 1, "shop:buy:start", "shop:buy:done", "log:write:line"));
        f = new ServerFixture(tmp, ix, Duration.ofSeconds(15));
    }

    @AfterEach
    void stop() throws Exception {
        f.close();
    }

    @Test
    void listPrintsADtraceStyleTable() {
        ServerFixture.Run r = f.dtprobe("list", "-n", "shop:::");
        assertThat(r.rc()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines.get(0)).matches("\\s+ID\\s+PROVIDER\\s+MODULE\\s+FUNCTION NAME");
        assertThat(lines).hasSize(3);
        assertThat(lines.get(1)).matches("\\s+1\\s+shop4321\\s+prog\\s+buy done");
        assertThat(lines.get(2)).matches("\\s+2\\s+shop4321\\s+prog\\s+buy start");
    }

    @Test
    void verboseListShowsTypesSitesAndMapping() {
        ServerFixture.Run r = f.dtprobe("list", "-v", "-n", "log4321:::line");
        assertThat(r.rc()).isZero();
        assertThat(r.out()).contains("Argument Types", "args[0]: int", "Sites", "0x555500001139",
                "/usr/bin/prog+0x1139", "Mapping");
    }

    @Test
    void listJsonIsOneArrayWithEveryRequiredField() throws Exception {
        ServerFixture.Run r = f.dtprobe("list", "--json", "-p", "4321");
        assertThat(r.rc()).isZero();
        JsonNode a = new ObjectMapper().readTree(r.out());
        assertThat(a.isArray()).isTrue();
        assertThat(a).hasSize(3);
        for (JsonNode p : a) {
            for (String k : List.of("pid", "provider", "provider_name", "module", "function", "name", "sites",
                    "native_types", "translated_types", "argmap", "mapping")) {
                assertThat(p.has(k)).as(k).isTrue();
            }
            assertThat(p.path("provider").asText()).endsWith("4321");
            assertThat(p.path("sites").get(0).path("is_enabled").isBoolean()).isTrue();
            assertThat(p.path("mapping").path("base").asLong()).isEqualTo(0x555500000000L);
        }
    }

    @Test
    void noMatchExitsOneAndBadDescriptionExits64() {
        ServerFixture.Run none = f.dtprobe("list", "-n", "nosuch:::");
        assertThat(none.rc()).isEqualTo(1);
        assertThat(none.err()).contains("no probe matches nosuch:::");
        ServerFixture.Run bad = f.dtprobe("list", "-n", "a:b:c:d:e");
        assertThat(bad.rc()).isEqualTo(64);
        assertThat(bad.err()).contains("at most 4");
        assertThat(f.dtprobe("list", "--no-such-option").rc()).isEqualTo(64);
        assertThat(f.dtprobe("trace").rc()).as("trace needs a description").isEqualTo(64);
    }

    @Test
    void listTakesAPositionalDescriptionAndDtracesSelectors() {
        assertThat(f.dtprobe("list", "shop:::").out()).contains("buy done", "buy start").doesNotContain("line");
        assertThat(f.dtprobe("list", "-P", "log").out()).contains("write line").doesNotContain("buy");
        assertThat(f.dtprobe("list", "-P", "log4321").out()).contains("write line");
        assertThat(f.dtprobe("list", "-m", "prog").out().lines()).hasSize(4);
        assertThat(f.dtprobe("list", "-m", "shop:prog").out().lines()).hasSize(3);
        assertThat(f.dtprobe("list", "-f", "write").out()).contains("write line").doesNotContain("buy");
        assertThat(f.dtprobe("list", "-f", "shop:prog:buy").out().lines()).hasSize(3);
        assertThat(f.dtprobe("list", "-n", "done").out()).contains("buy done").doesNotContain("start");
        // several select the union, each probe once
        ServerFixture.Run union = f.dtprobe("list", "-P", "log", "-n", "start", "shop:::start");
        assertThat(union.rc()).isZero();
        assertThat(union.out().lines()).hasSize(3);
        ServerFixture.Run tooMany = f.dtprobe("list", "-P", "a:b");
        assertThat(tooMany.rc()).isEqualTo(64);
        assertThat(tooMany.err().strip()).isEqualTo("dtprobe: -P 'a:b' has 2 fields; -P takes at most 1 (provider)");
        assertThat(f.dtprobe("list", "-m", "a:b:c").err()).contains("-m takes at most 2 (provider:module)");
        assertThat(f.dtprobe("list", "-f", "a:b:c:d").err()).contains("-f takes at most 3");
        assertThat(f.dtprobe("list", "-n", "a[b").err()).contains("-n: ");
    }

    @Test
    void nothingMatchingExitsOneWithOneLineWhateverTheSelection() {
        ServerFixture.Run pid = f.dtprobe("list", "-p", "99999");
        assertThat(pid.rc()).isEqualTo(1);
        assertThat(pid.out()).isEmpty();
        assertThat(pid.err().lines()).containsExactly("dtprobe: no probes of pid 99999");
        ServerFixture.Run both = f.dtprobe("list", "-p", "99999", "shop:::");
        assertThat(both.err().lines()).containsExactly("dtprobe: no probe matches shop::: in pid 99999");
        ServerFixture.Run json = f.dtprobe("list", "--json", "nosuch:::");
        assertThat(json.rc()).isEqualTo(1);
        assertThat(json.out().strip()).isEqualTo("[ ]");
        f.index.removePid(4321);
        ServerFixture.Run empty = f.dtprobe("list");
        assertThat(empty.rc()).isEqualTo(1);
        assertThat(empty.err().lines()).containsExactly("dtprobe: no probes are registered");
    }

    @Test
    void aBadPidIsAUsageErrorNotAProtocolCode() {
        ServerFixture.Run r = f.dtprobe("list", "-p", "-5");
        assertThat(r.rc()).isEqualTo(64);
        assertThat(r.err().strip()).isEqualTo("dtprobe: -p -5: a process id is a positive integer");
        assertThat(f.dtprobe("watch", "-p", "0").rc()).isEqualTo(64);
        assertThat(f.dtprobe("trace", "-p", "0", "shop:::").rc()).isEqualTo(64);
    }

    @Test
    void theSocketComesFromTheEnvironmentUnlessGiven() {
        Map<String, String> env = Map.of("DTPROBED_SOCKET", f.socket.toString());
        assertThat(run(env, "list", "shop:::").rc()).isZero();
        Path none = tmp.resolve("none.sock");
        ServerFixture.Run overridden = run(env, "--socket", none.toString(), "list");
        assertThat(overridden.rc()).isEqualTo(69);
        assertThat(overridden.err()).contains(none.toString());
        assertThat(run(Map.of(), "--help").out()).contains("DTPROBED_SOCKET");
    }

    @Test
    void anUnreachableDaemonIsExplainedWithWhatToDo() throws Exception {
        Path none = tmp.resolve("none.sock");
        ServerFixture.Run gone = ServerFixture.run("--socket", none.toString(), "list");
        assertThat(gone.rc()).isEqualTo(69);
        assertThat(gone.err().lines()).hasSize(1);
        assertThat(gone.err()).contains("cannot reach dtprobed at " + none + ": no such socket;",
                "systemctl start dtprobed", "--socket PATH", "DTPROBED_SOCKET");
        Path stale = tmp.resolve("stale.sock");
        try (var s = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            s.bind(java.net.UnixDomainSocketAddress.of(stale));
        } // closed: the JDK leaves the file, and nobody accepts on it
        ServerFixture.Run refused = ServerFixture.run("--socket", stale.toString(), "list");
        assertThat(refused.rc()).isEqualTo(69);
        assertThat(refused.err()).contains("the socket exists but no daemon accepts on it");
    }

    @Test
    void listPrintsAttachPointsForPerfAndBpftrace() throws Exception {
        // a real file, so that its dev and inode are the registered ones: a non-PIE ELF executable
        java.nio.file.Path prog = tmp.resolve("prog");
        byte[] elf = new byte[64];
        elf[0] = 0x7f;
        elf[1] = 'E';
        elf[2] = 'L';
        elf[3] = 'F';
        elf[16] = 2; // ET_EXEC
        java.nio.file.Files.write(prog, elf);
        long dev = ((Number) java.nio.file.Files.getAttribute(prog, "unix:dev")).longValue();
        long ino = ((Number) java.nio.file.Files.getAttribute(prog, "unix:ino")).longValue();
        var m = new org.dtprobed.protocol.ProbeEntry.Mapping(dev, ino, prog.toString(), 0x400000, 0);
        f.index.add(List.of(new org.dtprobed.protocol.ProbeEntry(5555, 0, 1, "my-prov", "prog", "main", "req-done",
                List.of(new org.dtprobed.protocol.ProbeEntry.Site(0x40134f, false),
                        new org.dtprobed.protocol.ProbeEntry.Site(0x401400, false),
                        new org.dtprobed.protocol.ProbeEntry.Site(0x401500, true)),
                List.of("int", "const char *"), List.of("int", "const char *"), List.of(0, 1), m)));
        ServerFixture.Run perf = f.dtprobe("list", "--format", "perf", "-p", "5555");
        assertThat(perf.rc()).isZero();
        assertThat(perf.out().lines()).containsExactly(
                "p:my_prov5555/req_done " + prog + ":0x134f arg0=%di:s32 arg1=+0(%si):string",
                "p:my_prov5555/req_done_1 " + prog + ":0x1400 arg0=%di:s32 arg1=+0(%si):string");
        ServerFixture.Run bpf = f.dtprobe("list", "--format", "bpftrace", "-p", "5555");
        assertThat(bpf.out().lines()).containsExactly("uprobe:" + prog + ":0x40134f  // my-prov5555:prog:main:req-done",
                "uprobe:" + prog + ":0x401400  // my-prov5555:prog:main:req-done");
        assertThat(f.dtprobe("list", "--format", "nosuch").rc()).isEqualTo(64);
    }

    private static ServerFixture.Run run(Map<String, String> env, String... args) {
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        int rc = Dtprobe.run(env, new java.io.PrintWriter(out), new java.io.PrintWriter(err), args);
        return new ServerFixture.Run(rc, out.toString(), err.toString());
    }

    @Test
    void pidsAndStats() throws Exception {
        ServerFixture.Run pids = f.dtprobe("pids");
        assertThat(pids.rc()).isZero();
        assertThat(pids.out()).containsPattern("\\s+4321\\s+0\\s+1\\s+3");
        ServerFixture.Run stats = f.dtprobe("stats", "--json");
        assertThat(stats.rc()).isZero();
        JsonNode s = new ObjectMapper().readTree(stats.out());
        assertThat(s.path("probes").asInt()).isEqualTo(3);
        assertThat(s.path("pids").asInt()).isEqualTo(1);
        assertThat(s.has("registration_latency_us")).isTrue();
        assertThat(f.dtprobe("stats").out()).contains("daemon_pid");
    }

    @Test
    void healthExitCodesFollowReadiness() throws Exception {
        assertThat(f.dtprobe("health").rc()).isZero();
        f.ready.set(false);
        ServerFixture.Run notReady = f.dtprobe("health");
        assertThat(notReady.rc()).isEqualTo(1);
        assertThat(notReady.out()).contains("not ready");
        ServerFixture.Run gone = ServerFixture.run("--socket", tmp.resolve("none.sock").toString(), "health");
        assertThat(gone.rc()).isEqualTo(69);
        assertThat(gone.err()).contains("cannot reach dtprobed at " + tmp.resolve("none.sock"));
    }

    @Test
    void helpListsTheExitCodes() {
        ServerFixture.Run r = ServerFixture.run("--help");
        assertThat(r.rc()).isZero();
        assertThat(r.out()).contains("Exit codes:", "69", "77", "list", "trace");
    }
}
