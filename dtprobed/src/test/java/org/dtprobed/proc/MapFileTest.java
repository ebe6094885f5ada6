package org.dtprobed.proc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link Mapping#mapFile}: the one place the daemon, the scan and dtprobe name a mapping's map_files link. */
class MapFileTest {
    @Test
    void namesTheLinkByTheMappingsHexBounds() {
        Mapping m = new Mapping(0x7f1c2a000000L, 0x7f1c2a021000L, "r-xp", 0, 2049, 7, "/usr/lib/libx.so", false);
        assertThat(m.mapFile(Path.of("/proc"), 42)).isEqualTo(Path.of("/proc/42/map_files/7f1c2a000000-7f1c2a021000"));
    }

    /** The kernel's own link for a file this JVM maps opens that very file (dev and inode as the maps line says). */
    @Test
    void theLinkOfARealMappingIsItsFile() throws Exception {
        long self = ProcessHandle.current().pid();
        Mapping file = MapsParser.parse(Files.readString(Path.of("/proc/self/maps")), "/proc/self/maps").stream()
                .filter(m -> !m.anonymous() && !m.deleted() && m.path().startsWith("/")).findFirst().orElseThrow();
        Map<String, Object> id = Files.readAttributes(file.mapFile(Path.of("/proc"), (int) self), "unix:dev,ino");
        assertThat(((Number) id.get("dev")).longValue()).isEqualTo(file.dev());
        assertThat(((Number) id.get("ino")).longValue()).isEqualTo(file.inode());
    }
}
