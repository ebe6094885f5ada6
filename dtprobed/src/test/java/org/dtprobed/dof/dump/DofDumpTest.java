package org.dtprobed.dof.dump;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.dtprobed.dof.write.DofWriter;
import org.dtprobed.dof.write.ProbeSpec;
import org.dtprobed.testkit.Corpus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code dof-dump} command line: output forms and exit codes. */
class DofDumpTest {
    @TempDir
    Path tmp;

    private record Run(int rc, String out, String err) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = DofDump.run(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), args);
        return new Run(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void humanOutputNamesEveryProbe() {
        Run r = run(Corpus.dir().resolve("libusdt-2.dof").toString());
        assertThat(r.rc()).isZero();
        assertThat(r.out()).contains("provider javaapp").contains("javaapp:libusdt-2.dof:");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void invalidDofExits65WithTheReason() throws Exception {
        byte[] dof = Corpus.read("libusdt-1.dof");
        Path truncated = tmp.resolve("truncated.dof");
        Files.write(truncated, Arrays.copyOf(dof, 200));
        Run r = run("--json", truncated.toString());
        assertThat(r.rc()).isEqualTo(65);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).startsWith("error: ").contains("load size exceeds the bytes supplied");
    }

    @Test
    void randomBytesExit65() throws Exception {
        Path junk = tmp.resolve("junk");
        Files.write(junk, "this is not DOF at all, not even close to it; 64 bytes or more!".repeat(3)
                .getBytes(StandardCharsets.US_ASCII));
        assertThat(run(junk.toString()).rc()).isEqualTo(65);
    }

    @Test
    void emptyFileExits65() throws Exception {
        Path empty = Files.createFile(tmp.resolve("empty"));
        Run r = run(empty.toString());
        assertThat(r.rc()).isEqualTo(65);
        assertThat(r.err()).contains("fewer than 64 bytes");
    }

    @Test
    void missingFileExits66() {
        Run r = run(tmp.resolve("nope.dof").toString());
        assertThat(r.rc()).isEqualTo(66);
        assertThat(r.err()).startsWith("error: ").contains("no such file");
    }

    @Test
    void directoryExits66() {
        assertThat(run(tmp.toString()).rc()).isEqualTo(66);
    }

    @Test
    void badUsageExits64() {
        assertThat(run("--no-such-option").rc()).isEqualTo(64);
        assertThat(run().rc()).isEqualTo(64);
        assertThat(run("--base", "0xZZ", "f").rc()).isEqualTo(64);
    }

    @Test
    void refusedButValidDofDecodesWithWarnings() throws Exception {
        Path f = tmp.resolve("unsafe.dof");
        Files.write(f, DofWriter.builder().provider("../../evil", ProbeSpec.builder("f", "n").build()).build());
        Run r = run("--json", f.toString());
        assertThat(r.rc()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("providers").get(0).get("name").asText()).isEqualTo("../../evil");
        assertThat(j.get("warnings")).hasSize(2);
        assertThat(j.get("warnings").toString()).contains("'/', ':'").contains("no sites");
        Run text = run(f.toString());
        assertThat(text.out()).contains("registration would refuse this DOF").contains("warning: ");
    }

    @Test
    void baseRelocates() throws Exception {
        Path f = tmp.resolve("pie.dof");
        Files.write(f, DofWriter.builder().relocations(true)
                .provider("p", ProbeSpec.builder("f", "n").address(0x1139).offsets(4).build()).build());
        JsonNode j = new ObjectMapper().readTree(run("--json", "--base", "0x555500000000", f.toString()).out());
        JsonNode probe = j.get("providers").get(0).get("probes").get(0);
        assertThat(probe.get("addr").asLong()).isEqualTo(0x1139);
        assertThat(probe.get("sites").get(0).get("address").asLong()).isEqualTo(0x555500000000L + 0x1139 + 4);
    }
}
