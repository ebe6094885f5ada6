package org.dtprobed.jail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/** Test support: the {@code status} fields of every thread of a process, from /proc. */
public final class ProcStatus {
    private ProcStatus() {
    }

    /** Thread id → its status fields (name → value, tabs collapsed to one space). */
    public static Map<String, Map<String, String>> threads(long pid) throws IOException {
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path t : tasks.sorted().toList()) {
                try {
                    out.put(t.getFileName().toString(), fields(t.resolve("status")));
                } catch (NoSuchFileException e) {
                    // the thread ended between listing and reading
                }
            }
        }
        return out;
    }

    public static Map<String, String> fields(Path status) throws IOException {
        Map<String, String> f = new LinkedHashMap<>();
        for (String line : Files.readAllLines(status)) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                f.put(line.substring(0, colon), line.substring(colon + 1).trim().replaceAll("\\s+", " "));
            }
        }
        return f;
    }
}
