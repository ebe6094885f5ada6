package org.dtprobed.proc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.dtprobed.protocol.MappedFile;
import org.dtprobed.protocol.ProbeEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * One rule for "anonymous" ({@link MappedFile#anonymous}), the same for the three views of a
 * mapping: the maps line ({@link Mapping}), the mapping a registration's DOF lies in as the stash
 * keeps it ({@code stash.Mapping}), and the object a probe's sites are in ({@code ProbeEntry.Mapping}).
 */
class AnonymousMappingTest {
    private static List<MappedFile> views(Mapping m) {
        return List.of(m, new org.dtprobed.stash.Mapping(m.dev(), m.inode(), m.start(), m.path()),
                new ProbeEntry.Mapping(m.dev(), m.inode(), m.path(), m.start(), m.offset()));
    }

    /** Lines as the kernel prints them; the name column is what decides with the inode. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "heap                 | 00:00 0        [heap]                         | true  | false",
        "stack                | 00:00 0        [stack]                        | true  | false",
        "no name              | 00:00 0                                       | true  | false",
        "named anonymous      | 00:00 0        [anon:libusdt]                 | true  | false",
        "a file               | fd:01 1234567  /usr/lib/libfoo.so             | false | false",
        "a deleted file       | fd:01 1234567  /usr/lib/libfoo.so (deleted)   | false | true",
        "memfd                | 00:01 2050     /memfd:dof (deleted)           | false | true",
        "shared anonymous     | 00:01 3074     /dev/zero (deleted)            | false | true",
        "inode 0 with a path  | 00:2a 0        /mnt/fuse/lib.so               | false | false",
        "no device nor inode  | 00:00 0        /mnt/odd/lib.so                | false | false",
        "an anon inode's file | 00:0e 1050     anon_inode:[io_uring]          | false | false",
    })
    void everyViewOfAMappingSaysTheSame(String what, String devInodeName, boolean anonymous, boolean deleted)
            throws Exception {
        String line = "7f1c2a000000-7f1c2a021000 rw-p 00001000 " + devInodeName.replaceFirst("^(\\S+) (\\S+)\\s*",
                "$1 $2                    ");
        Mapping m = MapsParser.parse(line + "\n", "test").get(0);
        assertThat(m.deleted()).as(line).isEqualTo(deleted);
        assertThat(views(m)).as(line).allSatisfy(v -> assertThat(v.anonymous()).as("%s: %s", v, line).isEqualTo(anonymous));
    }

    /** This JVM's own maps, from the kernel: its heap and stack are anonymous, the files it maps are not. */
    @Test
    void theKernelsOwnLinesForThisProcessAgree() throws Exception {
        List<Mapping> maps = MapsParser.parse(Files.readString(Path.of("/proc/self/maps")), "/proc/self/maps");
        assertThat(maps).filteredOn(m -> m.path().equals("[stack]") || m.path().equals("[heap]") || m.path().isEmpty())
                .isNotEmpty().allSatisfy(m -> assertThat(views(m)).allSatisfy(v -> assertThat(v.anonymous()).isTrue()));
        assertThat(maps).filteredOn(m -> m.path().startsWith("/") && !m.deleted()).isNotEmpty()
                .allSatisfy(m -> assertThat(views(m)).allSatisfy(v -> assertThat(v.anonymous()).isFalse()));
    }
}
