package org.dtprobed.proc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.dtprobed.protocol.Numbers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Against this JVM's own /proc entries, and against synthetic trees for hostile content. */
class ProcFsTest {
    final int pid = (int) ProcessHandle.current().pid();

    @Test
    void ownMapsHoldTheJavaExecutable() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java").toRealPath();
        ExecutableId exe = ProcFs.SYSTEM.executable(pid);
        assertThat(exe.path()).isEqualTo(java.toString());
        assertThat(exe.dev()).isEqualTo(((Number) Files.getAttribute(java, "unix:dev")).longValue());
        assertThat(exe.inode()).isEqualTo(((Number) Files.getAttribute(java, "unix:ino")).longValue());
    }

    @Test
    void mappingAtFindsTheExecutableText() throws Exception {
        List<Mapping> maps = ProcFs.SYSTEM.maps(pid);
        assertThat(maps).isNotEmpty();
        Mapping text = maps.stream().filter(Mapping::executable).findFirst().orElseThrow();
        long mid = text.start() + (text.end() - text.start()) / 2;
        assertThat(ProcFs.SYSTEM.mappingAt(pid, mid)).contains(text);
        assertThat(ProcFs.SYSTEM.mappingAt(pid, 0x10)).isEmpty();
    }

    @Test
    void startTimeIsStableAndDiffersFromAChildsTime() throws Exception {
        long mine = ProcFs.SYSTEM.startTime(pid);
        assertThat(mine).isPositive().isEqualTo(ProcFs.SYSTEM.startTime(pid));
        Process child = new ProcessBuilder("sleep", "5").start();
        try {
            assertThat(ProcFs.SYSTEM.startTime((int) child.pid())).isGreaterThanOrEqualTo(mine);
        } finally {
            child.destroy();
        }
    }

    @Test
    void everyThreadBelongsToThisProcess() throws Exception {
        List<Integer> tids;
        try (Stream<Path> s = Files.list(Path.of("/proc/self/task"))) {
            tids = s.map(p -> Integer.parseInt(p.getFileName().toString())).collect(Collectors.toList());
        }
        assertThat(tids.size()).isGreaterThan(1);
        for (int tid : tids) {
            assertThat(ProcFs.SYSTEM.tgid(tid)).as("tid %d", tid).isEqualTo(pid);
        }
    }

    @Test
    void exitedProcessIsReportedAsSuch() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        int dead = (int) p.pid();
        assertThatThrownBy(() -> ProcFs.SYSTEM.maps(dead)).isInstanceOf(NoSuchProcessException.class)
                .hasMessageContaining("process " + dead + " has exited");
        assertThatThrownBy(() -> ProcFs.SYSTEM.tgid(dead)).isInstanceOf(NoSuchProcessException.class);
        assertThatThrownBy(() -> ProcFs.SYSTEM.executable(dead)).isInstanceOf(NoSuchProcessException.class);
        assertThatThrownBy(() -> ProcFs.SYSTEM.startTime(0)).isInstanceOf(NoSuchProcessException.class)
                .hasMessage("pid 0 is not a process id");
    }

    @Test
    void commandWithParenthesesAndSpaces(@TempDir Path root) throws Exception {
        Path p = Files.createDirectories(root.resolve("77"));
        StringBuilder stat = new StringBuilder("77 (evil) 1 2 (x) R");
        for (int field = 4; field <= 52; field++) {
            stat.append(' ').append(field == 22 ? "123456" : Integer.toString(field));
        }
        Files.writeString(p.resolve("stat"), stat + "\n");
        assertThat(new ProcFs(root).startTime(77)).isEqualTo(123456);
        assertThat(new ProcFs(root).stat(77)).isEqualTo(new ProcStat(123456, 26));
    }

    @Test
    void hostileStatNumbersAndSizes(@TempDir Path root) throws Exception {
        Path p = Files.createDirectories(root.resolve("6"));
        ProcFs fs = new ProcFs(root);
        Files.writeString(p.resolve("stat"), statWith(22, "99999999999999999999"));
        assertThatThrownBy(() -> fs.stat(6)).isInstanceOf(ProcException.class)
                .hasMessage(p.resolve("stat") + ": start time '99999999999999999999' is not a number");
        Files.writeString(p.resolve("stat"), statWith(26, "-1"));
        assertThatThrownBy(() -> fs.stat(6)).hasMessage(p.resolve("stat") + ": code start '-1' is not a number");
        Files.writeString(p.resolve("stat"), "6 (" + "x".repeat(2000) + ") R 1\n");
        assertThatThrownBy(() -> fs.stat(6)).hasMessage(p.resolve("stat") + " is larger than 1024 bytes");
        // the kernel shows 0 or 1 where there is no code start to look up
        Files.writeString(p.resolve("stat"), statWith(26, "1"));
        assertThat(fs.stat(6).hasCodeStart()).isFalse();
        Files.writeString(p.resolve("stat"), statWith(26, "4194304"));
        assertThat(fs.stat(6).hasCodeStart()).isTrue();
    }

    @Test
    void ownCodeStartIsInTheJavaExecutablesText() throws Exception {
        ProcStat stat = ProcFs.SYSTEM_TEXT.stat(pid);
        Mapping text = ProcFs.SYSTEM_TEXT.mappingAt(pid, stat.codeStart()).orElseThrow();
        assertThat(text.executable()).isTrue();
        assertThat(text.inode()).isEqualTo(ProcFs.SYSTEM_TEXT.executable(pid).inode());
    }

    private static String statWith(int field, String value) {
        StringBuilder stat = new StringBuilder("6 (t) S");
        for (int f = 4; f <= 52; f++) {
            stat.append(' ').append(f == field ? value : Integer.toString(f));
        }
        return stat + "\n";
    }

    @Test
    void hostileSyntheticFiles(@TempDir Path root) throws Exception {
        Path p = Files.createDirectories(root.resolve("5"));
        ProcFs fs = new ProcFs(root);
        Files.writeString(p.resolve("stat"), "5 (short) R 1 2 3\n");
        assertThatThrownBy(() -> fs.startTime(5)).isInstanceOf(ProcException.class)
                .hasMessage(p.resolve("stat") + ": 6 fields, the start time is field 22 and the code start field 26");
        Files.writeString(p.resolve("stat"), "5 no parens at all");
        assertThatThrownBy(() -> fs.startTime(5)).hasMessageContaining("no ')' after the command name");
        Files.writeString(p.resolve("status"), "Name:\tx\nPid:\t5\n");
        assertThatThrownBy(() -> fs.tgid(5)).hasMessage(p.resolve("status") + ": no Tgid line");
        Files.writeString(p.resolve("status"), "Name:\tx\nTgid:\t-3\n");
        assertThatThrownBy(() -> fs.tgid(5)).hasMessage(p.resolve("status") + ": Tgid '-3' is not a positive number");
        Files.writeString(p.resolve("maps"), "garbage\n");
        assertThatThrownBy(() -> fs.maps(5)).hasMessageContaining("line 1: start address is missing");
        Files.writeString(p.resolve("maps"), "1000-2000 r-xp 0 08:01 9 /bin/other\n");
        Files.createSymbolicLink(p.resolve("exe"), Path.of("/bin/mine"));
        assertThatThrownBy(() -> fs.executable(5))
                .hasMessage("process 5 has no executable mapping of its executable /bin/mine");
    }

    @Test
    void deletedExecutableStillIdentified(@TempDir Path root) throws Exception {
        Path p = Files.createDirectories(root.resolve("9"));
        Files.writeString(p.resolve("maps"), "1000-2000 r--p 0 08:01 9 /opt/app (deleted)\n"
                + "2000-3000 r-xp 1000 08:01 9 /opt/app (deleted)\n");
        Files.createSymbolicLink(p.resolve("exe"), Path.of("/opt/app (deleted)"));
        ExecutableId id = new ProcFs(root).executable(9);
        assertThat(id).isEqualTo(new ExecutableId(Numbers.makedev(8, 1), 9, "/opt/app"));
    }

    @Test
    void largeMapsAreReadWholeAndTgidNeedNotBeTheFirstLine(@TempDir Path root) throws Exception {
        Path p = Files.createDirectories(root.resolve("8"));
        StringBuilder maps = new StringBuilder();
        for (int i = 0; i < 5_000; i++) { // ~250 KB: many reads and buffer growths
            maps.append(String.format("%x-%x r--p 0 08:01 %d /lib/l%d.so%n", 0x10000L + i * 0x2000L,
                    0x11000L + i * 0x2000L, i + 1, i));
        }
        Files.writeString(p.resolve("maps"), maps);
        List<Mapping> read = new ProcFs(root).maps(8);
        assertThat(read).hasSize(5_000);
        assertThat(read.get(4_999).path()).isEqualTo("/lib/l4999.so");
        Files.writeString(p.resolve("status"), "Name:\tTgid: 1\nUmask:\t0022\nState:\tS\nTgid:\t42\nPid:\t8\n");
        assertThat(new ProcFs(root).tgid(8)).isEqualTo(42);
        Files.writeString(p.resolve("status"), "Tgid:\t43");
        assertThat(new ProcFs(root).tgid(8)).isEqualTo(43);
        Files.writeString(p.resolve("status"), "Name:\tUid: 5\nTgid:\t8\nUid:\t1000\t1001\t1001\t1001\nGid:\t0\n");
        assertThat(new ProcFs(root).uid(8)).as("the effective uid, second field").isEqualTo(1001);
        Files.writeString(p.resolve("status"), "Tgid:\t8\nUid:\tnobody\n");
        assertThatThrownBy(() -> new ProcFs(root).uid(8)).isInstanceOf(ProcException.class)
                .hasMessageContaining("holds no number");
        Files.writeString(p.resolve("status"), "Tgid:\t8\n");
        assertThatThrownBy(() -> new ProcFs(root).uid(8)).hasMessage(p.resolve("status") + ": no Uid line");
    }

    @Test
    void everyUidOfAStatusAndHostileUidLines(@TempDir Path root) throws Exception {
        Path p = Files.createDirectories(root.resolve("9"));
        Files.writeString(p.resolve("status"), "Name:\tUid:\t7\nTgid:\t9\nUid:\t1000\t1001 1002\t4294967294\nGid:\t0\n");
        assertThat(new ProcFs(root).uids(9)).as("real, effective, saved, fs; the last as the kernel prints (uid_t)")
                .containsExactly(1000, 1001, 1002, -2);
        Files.writeString(p.resolve("status"), "Uid:\t4294967296\t0\t0\t0\n");
        assertThatThrownBy(() -> new ProcFs(root).uids(9)).isInstanceOf(ProcException.class)
                .hasMessageContaining("holds no number");
        Files.writeString(p.resolve("status"), "Uid:\t-1\t0\n");
        assertThatThrownBy(() -> new ProcFs(root).uids(9)).hasMessageContaining("holds no number");
        Files.writeString(p.resolve("status"), "Uid:\t\nGid:\t0\n");
        assertThatThrownBy(() -> new ProcFs(root).uids(9)).hasMessageContaining("holds no number");
        Files.writeString(p.resolve("status"), "Name:\t" + "x".repeat(5_000) + "\nUid:\t5\t5\t5\t5\n");
        assertThatThrownBy(() -> new ProcFs(root).uids(9)).isInstanceOf(ProcException.class)
                .hasMessage(p.resolve("status") + ": no Uid line in its first 1024 bytes");
        Files.writeString(p.resolve("status"), "Name:\t" + "x".repeat(1_000) + "\nUid:\t1000\t1000\t1000\t1000\n");
        assertThatThrownBy(() -> new ProcFs(root).uids(9)).as("a line cut by the bound is no line")
                .hasMessage(p.resolve("status") + ": the Uid line runs past its first 1024 bytes");
    }

    @Test
    void aFileThatVanishesIsAnExitedProcess(@TempDir Path root) throws Exception {
        Files.createDirectories(root.resolve("6"));
        assertThatThrownBy(() -> new ProcFs(root).tgid(6)).isInstanceOf(NoSuchProcessException.class)
                .hasMessageContaining("process 6 has exited");
        assertThatThrownBy(() -> new ProcFs(root).maps(7)).isInstanceOf(NoSuchProcessException.class);
    }
}
