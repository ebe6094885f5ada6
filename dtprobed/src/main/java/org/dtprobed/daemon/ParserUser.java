package org.dtprobed.daemon;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Who the parser children run as (issue 19, attack 5: as {@code nobody}, a uid other services
 * share, any such process could SIGSTOP or SIGKILL them and slow every registration). {@code auto},
 * the default, takes the account {@value #ACCOUNT} where the installer made one, and otherwise a
 * uid of the children's own: the first of systemd's dynamic range (61184-65519) that no account,
 * no group and no running process uses. The children need no home, no files and no name.
 */
final class ParserUser {
    static final String AUTO = "auto";
    static final String ACCOUNT = "dtprobed-parser";
    static final int FIRST_FREE_CANDIDATE = 61_184;
    static final int LAST_FREE_CANDIDATE = 65_519;

    private ParserUser() {
    }

    /** The user option as the children get it: a name, or a bare uid. */
    static String resolve(String option, Path etc, Path proc) throws IOException {
        if (!option.equals(AUTO)) {
            return option;
        }
        Set<Integer> usedIds = new HashSet<>();
        for (String file : List.of("passwd", "group")) {
            Path f = etc.resolve(file);
            if (!Files.exists(f)) {
                continue;
            }
            for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                String[] fields = line.split(":", -1);
                if (fields.length < 3) {
                    continue;
                }
                if (file.equals("passwd") && fields[0].equals(ACCOUNT)) {
                    return ACCOUNT;
                }
                try {
                    usedIds.add(Integer.parseInt(fields[2]));
                } catch (NumberFormatException e) {
                    // a comment or a broken line: not an id
                }
            }
        }
        usedIds.addAll(processUids(proc));
        for (int id = FIRST_FREE_CANDIDATE; id <= LAST_FREE_CANDIDATE; id++) {
            if (!usedIds.contains(id)) {
                return Integer.toString(id);
            }
        }
        throw new IOException("no free uid in " + FIRST_FREE_CANDIDATE + "-" + LAST_FREE_CANDIDATE
                + " for the parser children; create the account " + ACCOUNT + " or give --parser-user");
    }

    /** Every real and effective uid of a running process. */
    private static Set<Integer> processUids(Path proc) throws IOException {
        Set<Integer> uids = new HashSet<>();
        try (Stream<Path> pids = Files.list(proc)) {
            for (Path p : (Iterable<Path>) pids::iterator) {
                if (!p.getFileName().toString().matches("[0-9]+")) {
                    continue;
                }
                try {
                    for (String line : Files.readAllLines(p.resolve("status"), StandardCharsets.UTF_8)) {
                        if (line.startsWith("Uid:")) {
                            for (String f : line.substring(4).trim().split("\\s+")) {
                                uids.add(Integer.parseInt(f));
                            }
                        }
                    }
                } catch (IOException | NumberFormatException e) {
                    // exited meanwhile
                }
            }
        }
        return uids;
    }
}
