package org.dtprobed.dof.write;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes distinct, valid DOF files for benchmarks and experiments:
 * {@code GenerateDof DIR COUNT PROBES} makes {@code DIR/dof-0.dof} … each with one provider of
 * {@code PROBES} probes whose names make every file's content different.
 */
public final class GenerateDof {
    private GenerateDof() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            System.err.println("usage: GenerateDof DIR COUNT PROBES");
            System.exit(64);
        }
        Path dir = Files.createDirectories(Path.of(args[0]));
        int count = Integer.parseInt(args[1]);
        int probes = Integer.parseInt(args[2]);
        for (int n = 0; n < count; n++) {
            List<ProbeSpec> ps = new ArrayList<>(probes);
            for (int i = 0; i < probes; i++) {
                ps.add(ProbeSpec.builder("work_" + i, "probe" + i + "_" + n).address(0x1000L + 64L * i)
                        .args("int", "char *").offsets(4).build());
            }
            Files.write(dir.resolve("dof-" + n + ".dof"), DofWriter.builder().provider(new ProviderSpec("bench", ps))
                    .build());
        }
    }
}
