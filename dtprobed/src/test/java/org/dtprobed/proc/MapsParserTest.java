package org.dtprobed.proc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.dtprobed.protocol.Numbers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class MapsParserTest {
    static final String TEXT = String.join("\n",
            "55d0c1a00000-55d0c1a02000 r--p 00000000 fd:01 1835017                    /usr/bin/my prog",
            "55d0c1a02000-55d0c1a07000 r-xp 00002000 fd:01 1835017                    /usr/bin/my prog",
            "7f1c2a000000-7f1c2a021000 rw-p 00000000 00:00 0 ",
            "7f1c2b000000-7f1c2b001000 r-xp 00000000 103:fff02 42                     /tmp/libusdtAbc123 (deleted)",
            "7ffd4c9e1000-7ffd4ca02000 rw-p 00000000 00:00 0                          [stack]",
            "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]",
            "");

    @Test
    void parsesEveryKindOfLine() throws Exception {
        List<Mapping> maps = MapsParser.parse(TEXT, "test");
        assertThat(maps).hasSize(6);
        Mapping text = maps.get(1);
        assertThat(text.start()).isEqualTo(0x55d0c1a02000L);
        assertThat(text.end()).isEqualTo(0x55d0c1a07000L);
        assertThat(text.perms()).isEqualTo("r-xp");
        assertThat(text.executable()).isTrue();
        assertThat(text.offset()).isEqualTo(0x2000);
        assertThat(text.dev()).isEqualTo(64769); // makedev(253, 1), as the reference computes it
        assertThat(text.inode()).isEqualTo(1835017);
        assertThat(text.path()).isEqualTo("/usr/bin/my prog");
        assertThat(text.deleted()).isFalse();

        Mapping anon = maps.get(2);
        assertThat(anon.path()).isEmpty();
        assertThat(anon.anonymous()).isTrue();
        assertThat(anon.inode()).isZero();

        Mapping deleted = maps.get(3);
        assertThat(deleted.path()).isEqualTo("/tmp/libusdtAbc123");
        assertThat(deleted.deleted()).isTrue();
        assertThat(deleted.dev()).isEqualTo(Numbers.makedev(0x103, 0xfff02));
        assertThat(maps.get(4).path()).isEqualTo("[stack]");
        assertThat(maps.get(5).start()).isEqualTo(0xffffffffff600000L);
        assertThat(maps.get(5).contains(0xffffffffff600fffL)).isTrue();
        assertThat(maps.get(5).contains(0xffffffffff601000L)).isFalse();
    }

    @Test
    void makedevMatchesGlibc() {
        assertThat(Numbers.makedev(253, 1)).isEqualTo(64769);
        assertThat(Numbers.makedev(8, 1)).isEqualTo(2049);
        assertThat(Numbers.makedev(0x1234, 0x56789)).isEqualTo(((0x1234L & 0xfffff000L) << 32) | ((0x1234L & 0xfff) << 8)
                | ((0x56789L & 0xffffff00L) << 12) | (0x56789L & 0xff));
    }

    @Test
    void hostileLinesNameTheLineAndField() {
        assertThatThrownBy(() -> MapsParser.parse("zz-10 r--p 0 00:00 0\n", "/proc/1/maps"))
                .isInstanceOf(ProcException.class)
                .hasMessage("/proc/1/maps line 1: start address 'zz' is not hex: 'zz-10 r--p 0 00:00 0'");
        assertThatThrownBy(() -> MapsParser.parse("10-20 r--p 0 00:00 0\n20-10 r--p 0 00:00 0", "m"))
                .hasMessage("m line 2: start 0x20 is above end 0x10: '20-10 r--p 0 00:00 0'");
        assertThatThrownBy(() -> MapsParser.parse("10-20 rp 0 00:00 0", "m"))
                .hasMessage("m line 1: permissions 'rp' are not 4 characters: '10-20 rp 0 00:00 0'");
        assertThatThrownBy(() -> MapsParser.parse("10-20 r--p 0 0000 0", "m"))
                .hasMessageContaining("device major is missing");
        assertThatThrownBy(() -> MapsParser.parse("10-20 r--p 0 00:00 -5 /x", "m"))
                .hasMessageContaining("inode '-5' is not a decimal number");
        assertThatThrownBy(() -> MapsParser.parse("10-20 r--p 0 00:00 12345678901234567890 /x", "m"))
                .hasMessageContaining("is not a decimal number");
        assertThatThrownBy(() -> MapsParser.parse("10", "m")).hasMessageContaining("start address is missing");
        assertThatThrownBy(() -> MapsParser.parse("10000000000000000-2 r--p 0 00:00 0", "m"))
                .hasMessageContaining("is not a 64-bit hex number");
    }

    /** Seeded: generated maps files parse to exactly the fields they were made from. */
    @ParameterizedTest
    @MethodSource("seeds")
    void generatedFilesParseToTheirFields(long seed) throws Exception {
        Random r = new Random(seed);
        int n = 1 + r.nextInt(40);
        List<Mapping> want = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < n; i++) {
            long start = r.nextLong() >>> r.nextInt(64);
            long end = start + (r.nextLong() >>> (1 + r.nextInt(63)));
            if (Long.compareUnsigned(end, start) < 0) {
                end = start;
            }
            String perms = "" + "r-".charAt(r.nextInt(2)) + "w-".charAt(r.nextInt(2)) + "x-".charAt(r.nextInt(2))
                    + "ps".charAt(r.nextInt(2));
            long offset = r.nextLong() >>> r.nextInt(64);
            long major = r.nextInt(0x1000);
            long minor = r.nextInt(0x100000);
            long inode = r.nextLong() >>> (1 + r.nextInt(63));
            String path = switch (r.nextInt(4)) {
                case 0 -> "";
                case 1 -> "[heap]";
                case 2 -> "/lib/x86_64-linux-gnu/lib" + r.nextInt(1000) + ".so";
                default -> "/opt/a dir/with  spaces " + r.nextInt(10);
            };
            boolean deleted = !path.isEmpty() && r.nextInt(5) == 0;
            text.append(String.format("%" + (r.nextBoolean() ? "" : "016") + "x-%x %s %08x %02x:%02x %d", start, end,
                    perms, offset, major, minor, inode));
            text.append(" ".repeat(1 + r.nextInt(30))).append(path).append(deleted ? " (deleted)" : "").append('\n');
            want.add(new Mapping(start, end, perms, offset, Numbers.makedev(major, minor), inode, path, deleted));
        }
        assertThat(MapsParser.parse(text.toString(), "gen")).as("seed %d", seed).isEqualTo(want);
        // a damaged copy parses or is refused with a ProcException, never anything else
        char[] damaged = text.toString().toCharArray();
        for (int k = 0; k < 1 + r.nextInt(4); k++) {
            damaged[r.nextInt(damaged.length)] = "-: \nz0+\u00e9".charAt(r.nextInt(8));
        }
        try {
            MapsParser.parse(new String(damaged), "gen");
        } catch (ProcException e) {
            assertThat(e.getMessage()).startsWith("gen line ");
        }
    }

    static java.util.stream.LongStream seeds() {
        long base = Long.getLong("dtprobed.seed", 20261202L);
        return java.util.stream.LongStream.range(base, base + 500);
    }
}
