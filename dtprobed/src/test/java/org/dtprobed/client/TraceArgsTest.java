package org.dtprobed.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.dtprobed.protocol.ProbeEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Argument values of trace hits: the fetch-args a probe's native types give, and reading them back from trace_pipe. */
class TraceArgsTest {
    private static final String LINE = "probeprog-1190 (   1190) [000] DBZff  1472.131947: dtprobe_77_0: ";

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "int|s32", "unsigned int|u32", "uint32_t|u32", "long|s64", "uint64_t|u64", "size_t|u64",
        "char *|string", "const char *|string", "const  char*|string", "string|string", "char|s8",
        "uint8_t|u8", "short|s16", "unsigned short|u16", "void *|x64", "struct foo *|x64", "int *|x64",
        "struct foo|x64", "'' |x64"})
    void nativeTypesPickTheFetchType(String cType, String fetch) {
        assertThat(ArgFetch.fetchType(cType == null ? "" : cType)).isEqualTo(fetch);
    }

    @Test
    void argumentsComeFromTheCallingConventionsRegisters() {
        List<ArgFetch> f = ArgFetch.of(List.of("int", "char *", "long", "unsigned", "void *", "size_t", "int", "int"));
        assertThat(f).hasSize(6); // the seventh and eighth are on the stack: not fetched
        assertThat(ArgFetch.definitions(f)).isEqualTo(" arg0=%di:s32 arg1=+0(%si):string arg2=%dx:s64"
                + " arg3=%cx:u32 arg4=%r8:x64 arg5=%r9:u64");
        assertThat(ArgFetch.definitions(ArgFetch.of(List.of()))).isEmpty();
    }

    @Test
    void valuesAreReadBackAsTheKernelPrintsThem() {
        List<ArgFetch> f = ArgFetch.of(List.of("int", "char *", "unsigned long", "void *"));
        TraceHit hit = TraceHit.parse(LINE + "(0x5556e147413d) arg0=-42 arg1=\"hello world\" arg2=18446744073709551615"
                + " arg3=0x7ffd12345678").orElseThrow();
        assertThat(hit.args(f)).containsExactly(-42L, "hello world", -1L, 0x7ffd12345678L);
    }

    @Test
    void aStringMayHoldQuotesSpacesAndWhatLooksLikeTheNextArgument() {
        List<ArgFetch> f = ArgFetch.of(List.of("char *", "char *", "int"));
        TraceHit hit = TraceHit.parse(LINE + "(0x1) arg0=\"a \"b\" arg1=x\" arg1=\"\" arg2=7").orElseThrow();
        assertThat(hit.args(f)).containsExactly("a \"b\" arg1=x", "", 7L);
    }

    @Test
    void unreadableAndMissingValuesAreNull() {
        List<ArgFetch> f = ArgFetch.of(List.of("char *", "int", "int"));
        TraceHit hit = TraceHit.parse(LINE + "(0x1) arg0=(fault) arg1=zz").orElseThrow();
        assertThat(hit.args(f)).containsExactly(null, null, null);
    }

    @Test
    void hostileLinesNeverThrow() {
        SplittableRandom r = new SplittableRandom(18);
        String alphabet = "arg0123=\" ()x-fault\\";
        List<ArgFetch> f = ArgFetch.of(List.of("char *", "int", "char *", "unsigned long"));
        for (int i = 0; i < 20_000; i++) {
            char[] c = new char[r.nextInt(60)];
            Arrays.setAll(new int[c.length], k -> c[k] = alphabet.charAt(r.nextInt(alphabet.length())));
            TraceHit.parse(LINE + new String(c)).ifPresent(h -> assertThat(h.args(f)).hasSize(4));
        }
    }

    @Test
    void eachOutputFormShowsTheValues() {
        ProbeEntry p = ServerFixture.registration(1190, 0, 1, "shop:buy:start").get(0);
        TraceHit hit = TraceHit.parse(LINE + "(0x1) arg0=3").orElseThrow();
        Instant t = Instant.parse("2026-12-06T17:00:00Z");
        List<Object> args = Arrays.asList(3L, "it", null);
        assertThat(Tracer.format(Tracer.Output.LINES, t, hit, p, args))
                .isEqualTo("2026-12-06T17:00:00Z 1190 shop1190:prog:buy:start 3 \"it\" ?");
        assertThat(Tracer.format(Tracer.Output.QUIET, t, hit, p, args)).isEqualTo("3 \"it\" ?");
        assertThat(Tracer.format(Tracer.Output.QUIET, t, hit, p, List.of())).isNull();
        assertThat(Tracer.format(Tracer.Output.JSON, t, hit, p, Arrays.asList(-1L, "it", null)))
                .isEqualTo("{\"time\":\"2026-12-06T17:00:00Z\",\"pid\":1190,\"tid\":1190,\"probe\":"
                        + "\"shop1190:prog:buy:start\",\"provider\":\"shop1190\",\"module\":\"prog\",\"function\":"
                        + "\"buy\",\"name\":\"start\",\"args\":[18446744073709551615,\"it\",null]}");
    }
}
