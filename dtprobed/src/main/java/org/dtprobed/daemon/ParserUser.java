package org.dtprobed.daemon;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.dtprobed.proc.ProcException;
import org.dtprobed.proc.ProcFs;

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

    /**
     * Every uid a running process holds (real, effective, saved, file system). A start after a
     * restart with 10,000 processes asks this of each: their status is parsed in place (a line
     * read per status file, split by a regex, was ~0.3 s of the main thread and hot enough for C2).
     */
    private static Set<Integer> processUids(Path proc) throws IOException {
        ProcFs fs = new ProcFs(proc);
        Set<Integer> uids = new HashSet<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(proc)) {
            for (Path p : entries) {
                int pid = pidOf(p.getFileName().toString());
                if (pid <= 0) {
                    continue;
                }
                try {
                    for (int uid : fs.uids(pid)) {
                        uids.add(uid);
                    }
                } catch (ProcException e) {
                    // exited meanwhile
                }
            }
        }
        return uids;
    }

    /** The pid a {@code /proc} entry names, or -1 for the others (self, sys, ...). */
    private static int pidOf(String name) {
        if (name.isEmpty() || name.length() > 9) {
            return -1;
        }
        int pid = 0;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            pid = pid * 10 + (c - '0');
        }
        return pid;
    }
}
