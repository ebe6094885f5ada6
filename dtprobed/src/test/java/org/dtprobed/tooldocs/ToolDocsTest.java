package org.dtprobed.tooldocs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generated man pages and completion scripts: one page per command, valid roff, every option in it. */
class ToolDocsTest {
    @TempDir
    Path tmp;

    @Test
    void aPagePerCommandAndAScriptPerTool() throws Exception {
        List<Path> written = ToolDocs.write(tmp, "9.9");
        Path man = tmp.resolve("man/man1");
        for (String page : List.of("dtprobe", "dtprobe-list", "dtprobe-trace", "dtprobe-publish", "dtprobe-watch", "dtprobe-scan",
                "dtprobed", "stash-dump", "dof-dump")) {
            assertThat(man.resolve(page + ".1")).as(page).exists();
        }
        for (String tool : List.of("dtprobe", "dtprobed", "stash-dump", "dof-dump")) {
            assertThat(tmp.resolve("bash-completion/completions").resolve(tool)).content()
                    .contains("function _complete_" + tool + "()");
        }
        assertThat(written).hasSize(17); // dtprobe-scan.1 since issue 13
        String list = Files.readString(man.resolve("dtprobe-list.1"), StandardCharsets.UTF_8);
        assertThat(list).startsWith(".TH \"DTPROBE-LIST\" 1 ").contains("\"dtprobed 9.9\"")
                .contains(".SH NAME\ndtprobe\\-list \\- List probes like dtrace \\-l")
                .contains("\\fB\\-P\\fR, \\fB\\-\\-provider\\fR=\\fIPROVIDER\\fR")
                .contains(".SH SEE ALSO\n\\fBdtprobe\\fR(1)");
        assertThat(Files.readString(man.resolve("dtprobe.1"))).contains(".SH EXIT STATUS", ".SH COMMANDS",
                "\\fBpublish\\fR");
    }

    @Test
    void roffSpecialsInTextAreEscaped() {
        assertThat(ToolDocs.text(".starts with a dot")).isEqualTo("\\&.starts with a dot");
        assertThat(ToolDocs.text("a\\b -x")).isEqualTo("a\\eb \\-x");
        assertThat(ToolDocs.text("'quote")).isEqualTo("\\&'quote");
    }

    @Test
    void pagesRenderWithoutWarnings() throws Exception {
        ToolDocs.write(tmp, "9.9");
        try (var pages = Files.list(tmp.resolve("man/man1"))) {
            for (Path page : pages.toList()) {
                Process p = new ProcessBuilder("groff", "-man", "-Tutf8", "-ww", "-z", page.toString())
                        .redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(p.waitFor()).isZero();
                assertThat(out).as(page.toString()).isEmpty();
            }
        }
    }
}
