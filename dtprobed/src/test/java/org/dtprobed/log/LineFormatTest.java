package org.dtprobed.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LineFormatTest {
    private static List<String> log(LineFormat format, LogLevel threshold, java.util.function.Consumer<LineLogger> calls) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        LineLogger l = new LineLogger("org.dtprobed.ingest.RegistrationPipeline", threshold, format,
                new PrintStream(bytes, true, StandardCharsets.UTF_8));
        calls.accept(l);
        return bytes.toString(StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void journalLinesCarryThePriorityAndNoTimestamp() {
        List<String> lines = log(LineFormat.JOURNAL, LogLevel.DEBUG, l -> {
            l.error("pid {}: boom", 7);
            l.warn("pid {}: refused", 7);
            l.info("ready");
            l.debug("detail");
            l.trace("not shown");
        });
        assertThat(lines).containsExactly("<3>ERROR RegistrationPipeline [main] - pid 7: boom",
                "<4>WARN RegistrationPipeline [main] - pid 7: refused", "<6>INFO RegistrationPipeline [main] - ready",
                "<7>DEBUG RegistrationPipeline [main] - detail");
    }

    @Test
    void everyLineOfAStackTraceKeepsThePriority() {
        List<String> lines = log(LineFormat.JOURNAL, LogLevel.INFO, l -> l.error("failed", new IllegalStateException("x")));
        assertThat(lines.size()).isGreaterThan(2);
        assertThat(lines).allMatch(s -> s.startsWith("<3>ERROR RegistrationPipeline [main] - "));
        assertThat(lines.get(1)).endsWith("java.lang.IllegalStateException: x");
    }

    @Test
    void plainLinesStartWithAnIsoTimestampAndHonourTheThreshold() {
        List<String> lines = log(LineFormat.PLAIN, LogLevel.WARN, l -> {
            l.info("hidden");
            l.warn("shown");
        });
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z WARN RegistrationPipeline \\[main] - shown");
    }

    @Test
    void theJournalIsDetectedOnlyWhenJournalStreamIsThisStderr() throws Exception {
        Path stderr = Path.of("/proc/self/fd/2");
        String mine = Files.getAttribute(stderr, "unix:dev") + ":" + Files.getAttribute(stderr, "unix:ino");
        assertThat(LineFormat.detect(Map.of("JOURNAL_STREAM", mine))).isEqualTo(LineFormat.JOURNAL);
        assertThat(LineFormat.detect(Map.of("JOURNAL_STREAM", "1:2"))).as("stderr redirected elsewhere")
                .isEqualTo(LineFormat.PLAIN);
        assertThat(LineFormat.detect(Map.of("INVOCATION_ID", "abc"))).isEqualTo(LineFormat.PLAIN);
        assertThat(LineFormat.detect(Map.of())).isEqualTo(LineFormat.PLAIN);
    }

    @Test
    void levelsParseInAnyCaseAndUnknownOnesAreNull() {
        assertThat(LogLevel.parse("Debug")).isEqualTo(LogLevel.DEBUG);
        assertThat(LogLevel.parse(" warn ")).isEqualTo(LogLevel.WARN);
        assertThat(LogLevel.parse("loud")).isNull();
        assertThat(LogLevel.parse(null)).isNull();
    }
}
