package org.dtprobed.query;

import org.dtprobed.protocol.ProbeDescription;
import org.dtprobed.protocol.ProbeEntry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Parsing descriptions as DTrace does, and matching one probe (myprov, pid 1234). */
class ProbeDescriptionTest {
    private static final ProbeEntry PROBE = Probes.probe(1234, 0, 1, "myprov", "libfoo.so", "do_work", "start");

    @ParameterizedTest(name = "''{0}'' -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "\"\"|:::", "start|:::start", "do_work:start|::do_work:start", "libfoo.so:do_work:start|:libfoo.so:do_work:start",
        "myprov:libfoo.so:do_work:start|myprov:libfoo.so:do_work:start", ":::|:::", "myprov:::|myprov:::"})
    void fewerFieldsFillFromTheRight(String text, String expected) {
        assertThat(ProbeDescription.parse(text).toString()).isEqualTo(expected);
    }

    @ParameterizedTest(name = "''{0}'' matches: {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "\"\"|true", ":::|true", "myprov:::|true", "myprov1234:::|true", "myprov*:::|true", "myprov123:::|false",
        "myprov12345:::|false", "myprov1235:::|false", "my*4:::|true", "myprov????:::|true", "yprov:::|false",
        "start|true", "stop|false", "do_work:start|true", "do_*:st*|true", "::do_work:|true", ":libfoo.so::|true",
        ":libbar.so::|false", "myprov1234:libfoo.so:do_work:start|true", "*:*:*:*|true", "[m]yprov[0-9]*:::|true",
        "[!m]*:::|false", "myprov:::sta?t|true", "myprov01234:::|false", "myprov1234x:::|false",
        "yprov1234:::|false", "myprov4:::|false", "myprov2147483647:::|false", "myprov12340:::|false"})
    void matchesLikeDtrace(String text, boolean expected) {
        assertThat(ProbeDescription.parse(text).matches(PROBE)).isEqualTo(expected);
    }

    @Test
    void moreThanFourFieldsIsAnError() {
        assertThatThrownBy(() -> ProbeDescription.parse("a:b:c:d:e"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("has 5 fields; at most 4");
    }

    @Test
    void overlongDescriptionIsAnError() {
        assertThatThrownBy(() -> ProbeDescription.parse("a".repeat(ProbeDescription.MAX_LENGTH + 1)))
                .hasMessageContaining("longer than " + ProbeDescription.MAX_LENGTH);
    }

    @Test
    void badGlobIsAnErrorNamingTheField() {
        assertThatThrownBy(() -> ProbeDescription.parse("p:m:f[:n")).hasMessageContaining("unterminated [");
    }
}
