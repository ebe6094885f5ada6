package org.dtprobed.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

class DurationConverterTest {
    @ParameterizedTest
    @CsvSource({"5s,5000", "5,5000", "250ms,250", "10min,600000", "2m,120000", "1h,3600000", " 7 s ,7000"})
    void parses(String text, long millis) {
        assertThat(new DurationConverter().convert(text)).isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "0s", "-5s", "5x", "s", "99999999999s", "5 seconds"})
    void refuses(String text) {
        assertThatThrownBy(() -> new DurationConverter().convert(text))
                .isInstanceOf(CommandLine.TypeConversionException.class);
    }
}
