package org.dtprobed.stash.dump;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.dtprobed.dof.DofHelper;
import org.dtprobed.dof.DofParser;
import org.dtprobed.dof.ParsedDof;
import org.dtprobed.protocol.ProbeDescription;
import org.dtprobed.stash.ContentHash;
import org.dtprobed.stash.Fixtures;
import org.dtprobed.stash.Mapping;
import org.dtprobed.stash.ProcessIdentity;
import org.dtprobed.stash.RegistrationRecord;
import org.dtprobed.stash.Stash;
import org.dtprobed.stash.StashConfig;
import org.dtprobed.stash.StashDumpTestAccess;
import org.dtprobed.stash.StashLayout;
import org.dtprobed.stash.negative.Verdict;
import org.dtprobed.testkit.ChildJvms;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StashDumpTest {
    private static final Path CORPUS = Fixtures.CORPUS;

    @TempDir
    Path dir;

    record Result(int rc, String out, String err) {
        JsonNode json() throws IOException {
            return new ObjectMapper().readTree(out);
        }
    }

    static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = StashDump.run(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), args);
        return new Result(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Result dump(String... args) {
        List<String> a = new ArrayList<>(List.of("--state-dir", dir.toString()));
        a.addAll(List.of(args));
        return run(a.toArray(String[]::new));
    }

    private String minimalKey;

    @BeforeEach
    void fill() throws Exception {
        try (Stash s = Stash.open(StashConfig.small(dir.resolve("stash")))) {
            int pid = 3000;
            for (String n : List.of("libusdt-1", "libusdt-2", "libusdt-5")) {
                byte[] dof = Files.readAllBytes(CORPUS.resolve(n + ".dof"));
                DofHelper h = new DofHelper(n.equals("libusdt-1") ? "minmod" : "mod" + pid, 0x55c58f5e8000L, 0x55c58f5e8000L);
                ParsedDof p = new DofParser().parse(ByteBuffer.wrap(dof), h, pid);
                s.commit(new RegistrationRecord(pid, new Mapping(0, 0, 0x55c58f5e8000L, "[heap]"), h,
                        new ProcessIdentity(pid, 2049, 12)), dof, p);
                if (n.equals("libusdt-1")) {
                    minimalKey = ContentHash.of(dof).hex();
                }
                pid++;
            }
            s.negative().record(2049, 555, 4096, 123_456_789L, Verdict.INVALID_DOF, "bad \u001b[31m magic");
        }
    }

    @Test
    void summaryShowsVersionsCountsAndConsistency() throws Exception {
        Result r = dump();
        assertThat(r.rc()).as(r.err()).isZero();
        assertThat(r.out()).contains("format: layout " + StashLayout.LAYOUT_VERSION).contains("registrations: 3, probes: 106")
                .contains("registrations-2.cm3").contains("consistency: OK").contains("daemon stopped");
        JsonNode j = dump("--json", "summary").json();
        assertThat(j.get("registrations").asInt()).isEqualTo(3);
        assertThat(j.get("format_versions").get("parsed").asInt()).isEqualTo(1);
        assertThat(j.get("files").get("dof-2.cm3").get("entries").asInt()).isEqualTo(3);
        assertThat(j.get("meta").get("commits").asInt()).isEqualTo(3);
        assertThat(j.get("inconsistencies")).isEmpty();
    }

    @Test
    void pidsRegistrationsAndProbesViews() throws Exception {
        assertThat(dump("pids").out()).contains("3000").contains("8:1 12"); // dev 2049 is major 8, minor 1
        assertThat(dump("--json", "pids").json().get("pids")).hasSize(3);
        Result regs = dump("registrations");
        assertThat(regs.out()).contains("3000/0").contains("minmod").contains(minimalKey.substring(0, 16));
        JsonNode rj = dump("--json", "registrations").json().get("registrations");
        assertThat(rj).hasSize(3);
        assertThat(rj.get(0).get("dof_key").asText()).isEqualTo(minimalKey);
        assertThat(dump("--json", "probes").json().get("probes")).hasSize(106);
        assertThat(dump("--json", "probes", "minimal:::").json().get("probes")).hasSize(1);
        assertThat(dump("--json", "probes", "minimal3000:::tick").json().get("probes")).hasSize(1);
        assertThat(dump("--json", "probes", "tick").json().get("probes")).hasSize(1);
        assertThat(dump("--json", "probes", "manyprobes*::func[0-1]:").json().get("probes")).hasSize(20);
        assertThat(dump("--json", "probes", "::func?:probe-00[!0-4]").json().get("probes")).hasSize(5);
        assertThat(dump("--json", "probes", "nosuch:::").json().get("probes")).isEmpty();
        assertThat(dump("probes", "minimal:::").out()).contains("minimal3000:minmod:main:tick");
    }

    @Test
    void numbersAreJsonIntegersForMachinesAndHexOrMajorMinorForPeople() throws Exception {
        JsonNode probe = dump("--json", "probes", "minimal:::").json().get("probes").get(0);
        assertThat(probe.get("provider").asText()).as("as dtprobe list --json has it").isEqualTo("minimal3000");
        assertThat(probe.get("provider_name").asText()).isEqualTo("minimal");
        assertThat(probe.get("sites").get(0).get("address").isIntegralNumber()).isTrue();
        JsonNode reg = dump("--json", "registrations").json().get("registrations").get(0);
        for (String f : List.of("dev", "inode", "start")) {
            assertThat(reg.get("mapping").get(f).isIntegralNumber()).as(f).isTrue();
        }
        assertThat(reg.get("helper").get("load_base").asLong()).isEqualTo(0x55c58f5e8000L);
        assertThat(reg.get("helper").get("dof_address").isIntegralNumber()).isTrue();
        assertThat(java.time.Instant.parse(reg.get("committed_at").asText())).isNotNull();
        assertThat(dump("registrations").out()).contains("0:0 0 @0x55c58f5e8000").contains("0x55c58f5e8000");
        assertThat(dump("dof", minimalKey).out()).contains("model LP64").doesNotContain("model 2");
    }

    @Test
    void descriptionsAreReadAsDtprobeReadsThem() {
        for (String bad : List.of("a[b", "x\\", "a:b:c:d:e")) {
            Result r = dump("probes", bad);
            assertThat(r.rc()).as(bad).isEqualTo(64);
            String why = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> ProbeDescription.parse(bad)).getMessage();
            assertThat(r.err()).as(bad).contains(why);
        }
    }

    @Test
    void dofViewDecodesRawDofWithTheParser() throws Exception {
        Result r = dump("dof", minimalKey);
        assertThat(r.rc()).as(r.err()).isZero();
        assertThat(r.out()).contains("384 bytes").contains("provider minimal").contains("minmod:main:tick").contains("3000/0");
        JsonNode j = dump("--json", "dof", minimalKey).json();
        assertThat(j.get("decoded").get("providers").get(0).get("name").asText()).isEqualTo("minimal");
        assertThat(j.get("used_by").get(0).asText()).isEqualTo("3000/0");
    }

    @Test
    void negativeViewShowsExpiryAndEscapesControlCharacters() throws Exception {
        Result r = dump("negative");
        assertThat(r.out()).contains("8:1 555").contains("INVALID_DOF").contains("bad \\x1b[31m magic").doesNotContain("\u001b");
        JsonNode e = dump("--json", "negative").json().get("negative").get(0);
        assertThat(e.get("mtime_nanos").asLong()).isEqualTo(123_456_789L);
        assertThat(e.get("expires_at").asText()).isNotEmpty();
        assertThat(e.get("reason").asText()).isEqualTo("bad \u001b[31m magic");
    }

    @Test
    void badUsageAndMissingStashGetClearErrorsAndExitCodes() {
        Result bad = dump("dof", "../../etc/passwd");
        assertThat(bad.rc()).isEqualTo(64);
        assertThat(bad.err()).contains("64 hex digits");
        assertThat(dump("dof", "0".repeat(64)).err()).contains("no raw DOF under key");
        assertThat(dump("nosuchview").rc()).isEqualTo(64);
        assertThat(dump("dof").rc()).isEqualTo(64);
        assertThat(dump("pids", "extra").rc()).isEqualTo(64);
        assertThat(dump("probes", "a:b:c:d:e").err()).contains("at most 4");
        assertThat(dump("probes", "x".repeat(70_000)).rc()).isEqualTo(64);
        assertThat(dump("--bogus").rc()).isEqualTo(64);
        Result none = run("--state-dir", dir.resolve("nothing-here").toString());
        assertThat(none.rc()).isEqualTo(66);
        assertThat(none.err()).contains("no stash here");
        assertThat(Files.exists(dir.resolve("nothing-here"))).isFalse();
    }

    @Test
    void stateDirIsTheDaemonsNotTheStashItself() {
        Result old = run("--state-dir", dir.resolve("stash").toString());
        assertThat(old.rc()).isEqualTo(64);
        assertThat(old.err()).contains("holds the stash files itself").contains("--state-dir " + dir);
        assertThat(dump("summary").rc()).isZero();
        assertThat(run("--help").out().replaceAll("\\s+", " ")).contains("the daemon's state directory")
                .contains("default /run/dtrace)");
    }

    @Test
    void helpExplainsEveryView() {
        Result r = run("--help");
        assertThat(r.rc()).isZero();
        for (String v : List.of("summary", "pids", "registrations", "probes [DESC]", "dof KEY", "negative", "--json", "--state-dir")) {
            assertThat(r.out()).contains(v);
        }
    }

    @Test
    void anInconsistencyIsShownAndExitsOne() throws Exception {
        // an orphan raw DOF, as a bug in the owner would leave it (written through the owner's
        // files: bytes changed behind a closed stash's back are damage, a test of its own)
        try (Stash s = Stash.open(StashConfig.small(dir.resolve("stash")))) {
            StashDumpTestAccess.plantOrphan(s.files());
        }
        Result r = dump();
        assertThat(r.rc()).isEqualTo(1);
        assertThat(r.out()).contains("inconsistencies (1)").contains("referenced by no registration");
        assertThat(dump("--json").json().get("inconsistencies")).hasSize(1);
    }

    @Test
    void readsBesideARunningDaemonWithoutDisturbingIt() throws Exception {
        try (Stash s = Stash.open(StashConfig.small(dir.resolve("stash")))) {
            List<String> cmd = new ArrayList<>(ChildJvms.command(StashDump.class));
            cmd.addAll(List.of("--state-dir", dir.toString(), "--json", "summary"));
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            byte[] out = p.getInputStream().readAllBytes();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            JsonNode j = new ObjectMapper().readTree(out);
            assertThat(p.exitValue()).as(new String(out, StandardCharsets.UTF_8)).isZero();
            assertThat(j.get("daemon_running").asBoolean()).isTrue();
            assertThat(j.get("registrations").asInt()).isEqualTo(3);
            // the owner is undisturbed: it still commits and its files are consistent
            byte[] dof = Files.readAllBytes(CORPUS.resolve("libusdt-4.dof"));
            DofHelper h = new DofHelper("nodeapp", 0, 0);
            s.commit(new RegistrationRecord(4000, new Mapping(0, 0, 0, ""), h, new ProcessIdentity(1, 1, 1)), dof,
                    new DofParser().parse(ByteBuffer.wrap(dof), h, 4000));
            assertThat(s.stats().registrations()).isEqualTo(4);
        }
        assertThat(dump().rc()).isZero();
    }
}
