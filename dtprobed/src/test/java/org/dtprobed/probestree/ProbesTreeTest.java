package org.dtprobed.probestree;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.dtprobed.protocol.ProbeEntry;
import org.dtprobed.protocol.RegistrationKey;
import org.dtprobed.query.ProbeIndex;
import org.dtprobed.testkit.Capability;
import org.dtprobed.testkit.Requires;
import org.dtprobed.testkit.Tmpfs;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tree on a real file system, fed by a real index. */
class ProbesTreeTest {
    private static final ProbeEntry.Mapping OBJECT = new ProbeEntry.Mapping(0x801, 42, "/usr/bin/prog", 0x400000, 0);

    @TempDir
    Path tmp;
    Path root;
    Path staging;
    ProbeIndex index;

    @BeforeEach
    void dirs() throws IOException {
        root = Files.createDirectory(tmp.resolve("probes"));
        staging = Files.createDirectory(tmp.resolve("probes-staging"));
        index = new ProbeIndex();
    }

    static ProbeEntry probe(int pid, long gen, String provider, String module, String function, String name, long... sites) {
        List<ProbeEntry.Site> s = new ArrayList<>();
        for (long a : sites) {
            s.add(new ProbeEntry.Site(a, false));
        }
        return new ProbeEntry(pid, 0, gen, provider, module, function, name, s, List.of("int"), List.of("int"),
                List.of(0), OBJECT);
    }

    /** A tmpfs of {@code size} mounted at {@code name}, the tree's two directories made on it. */
    private Tmpfs onTmpfs(String name, String size) throws Exception {
        Tmpfs fs = Tmpfs.mount(tmp.resolve(name), size);
        root = Files.createDirectory(fs.dir().resolve("probes"));
        staging = Files.createDirectory(fs.dir().resolve("probes-staging"));
        return fs;
    }

    private ProbeFile.Content file(String relative) throws Exception {
        return ProbeFile.decode(Files.readAllBytes(root.resolve(relative)));
    }

    private List<String> files() throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).map(p -> root.relativize(p).toString()).sorted().toList();
        }
    }

    private List<String> stagingNames() throws IOException {
        try (Stream<Path> s = Files.list(staging)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private List<String> directories() throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> Files.isDirectory(p) && !p.equals(root)).map(p -> root.relativize(p).toString()).sorted().toList();
        }
    }

    @Test
    void writesOneFilePerProbeAndRemovesThemWithTheirDirectories() throws Exception {
        try (ProbesTree tree = ProbesTree.attach(root, staging, index)) {
            index.add(List.of(probe(100, 0, "prov", "prog", "main", "hello", 0x401000, 0x401010),
                    probe(100, 0, "prov", "prog", "work", "done", 0x402000),
                    probe(100, 0, "prov", "prog", "work", "nosite")));
            assertThat(files()).containsExactly("100/prov100/prog/main/hello", "100/prov100/prog/work/done");
            ProbeFile.Content hello = file("100/prov100/prog/main/hello");
            assertThat(hello.provider()).isEqualTo("prov");
            assertThat(hello.providerProbes()).isEqualTo(2);
            assertThat(hello.sites()).extracting(ProbeEntry.Site::address).containsExactly(0x401000L, 0x401010L);
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("100/prov100/prog/main/hello"))))
                    .as("probe names and addresses are root's to read").isEqualTo("rw-------");
            assertThat(tree.stats().files()).isEqualTo(2);

            index.removeRegistration(100, 0);
            assertThat(files()).isEmpty();
            assertThat(directories()).as("empty directories go with the files").isEmpty();
            assertThat(tree.stats().files()).isZero();
            assertThat(tree.stats().removed()).isEqualTo(2);
            tree.awaitBackground();
            assertThat(stagingNames()).as("the templates stay in staging, and the directory kept for reuse").hasSize(3)
                    .filteredOn(n -> n.startsWith("t-")).hasSize(2);
            assertThat(stagingNames()).filteredOn(n -> n.startsWith("parked-")).hasSize(1);
        }
    }

    /**
     * Attached beside the start (the daemon's steps after it go on while the tree is matched to the
     * index): what the index held at the attach and what changed during the match both reach the
     * tree, in the index's order, by the time the match is awaited.
     */
    @Test
    void attachedBesideTheStartTheTreeAlsoGetsWhatChangedDuringTheMatch() throws Exception {
        for (int pid = 1000; pid < 1200; pid++) {
            index.add(List.of(probe(pid, 0, "prov", "prog", "main", "p", 0x401000)));
        }
        ProbesTree.Attaching attaching = ProbesTree.attachUnverifiedBeside(root, staging, index);
        try (ProbesTree tree = attaching.tree()) {
            index.add(List.of(probe(5000, 0, "late", "prog", "f", "n", 0x401000))); // waits for the match
            index.removePid(1000);
            index.add(List.of(probe(1001, 1, "prov", "lib", "g", "q", 0x402000)));
            assertThat(attaching.await()).isSameAs(tree);
            List<String> files = files();
            assertThat(files).hasSize(201).contains("5000/late5000/prog/f/n", "1001/prov1001/prog/main/p",
                    "1001/prov1001/lib/g/q", "1199/prov1199/prog/main/p").doesNotContain("1000/prov1000/prog/main/p");
            assertThat(tree.stats().files()).isEqualTo(201);
        }
    }

    /** This JVM's open descriptors of directories under the tree (a removed one's link ends in "(deleted)"). */
    private long openUnderRoot() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.map(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString();
                } catch (IOException e) {
                    return ""; // the listing's own descriptor, closed meanwhile
                }
            }).filter(t -> t.startsWith(root + "/")).count();
        }
    }

    /**
     * A process that registers new content again and again in the same directories (the next
     * library, the next object) finds them open: no directory is opened again. One removed behind
     * the daemon's back (root can) is made again by the next registration that needs it, and a
     * process that goes leaves nothing open.
     */
    @Test
    void theDirectoriesOfAProcessStayOpenBetweenItsRegistrationsAndOneRemovedIsMadeAgain() throws Exception {
        try (ProbesTree tree = ProbesTree.attach(root, staging, index)) {
            index.add(List.of(probe(300, 0, "prov", "prog", "main", "a", 0x401000), probe(300, 0, "prov", "prog", "work", "b", 0x402000)));
            index.add(List.of(probe(300, 1, "prov", "prog", "main", "c", 0x401100), probe(300, 1, "prov", "prog", "work", "d", 0x402100)));
            long open = openUnderRoot();
            assertThat(open).as("the process's, provider's, module's and both functions' directories").isEqualTo(5);
            index.add(List.of(probe(300, 2, "prov", "prog", "main", "e", 0x401200), probe(300, 2, "prov", "prog", "work", "f", 0x402200)));
            assertThat(openUnderRoot()).isEqualTo(open);
            assertThat(files()).containsExactly("300/prov300/prog/main/a", "300/prov300/prog/main/c", "300/prov300/prog/main/e",
                    "300/prov300/prog/work/b", "300/prov300/prog/work/d", "300/prov300/prog/work/f");

            ProbesTree.deleteRecursively(root.resolve("300/prov300/prog/work"));
            index.add(List.of(probe(300, 3, "prov", "prog", "work", "g", 0x402300)));
            assertThat(files()).contains("300/prov300/prog/work/g").doesNotContain("300/prov300/prog/work/b");
            assertThat(file("300/prov300/prog/work/g").sites()).extracting(ProbeEntry.Site::address).containsExactly(0x402300L);
            assertThat(tree.stats().failures()).isZero();

            for (int gen = 0; gen <= 3; gen++) {
                index.removeRegistration(300, gen);
            }
            assertThat(files()).isEmpty();
            assertThat(openUnderRoot()).as("a process that went leaves no directory open").isZero();
        }
    }

    /**
     * A process that goes leaves its directory whole for the next of the same files (a fork child,
     * the next run): that one's registration renames it into place, its provider directory renamed
     * for its pid; a process of other files, or one whose files changed after its first
     * registration, gets none.
     */
    @Test
    void aDirectoryOfAProcessThatWentIsTakenByTheNextOfItsShape() throws Exception {
        try (ProbesTree tree = ProbesTree.attach(root, staging, index)) {
            index.add(List.of(probe(700, 0, "prov", "prog", "main", "p", 0x401000), probe(700, 0, "other", "prog", "f", "q", 0x401100)));
            Object dir = Files.getAttribute(root.resolve("700"), "unix:ino");
            Object file = Files.getAttribute(root.resolve("700/prov700/prog/main/p"), "unix:ino");
            index.removePid(700);
            assertThat(root.resolve("700")).doesNotExist();

            index.add(List.of(probe(80001, 0, "prov", "prog", "main", "p", 0x401000), probe(80001, 0, "other", "prog", "f", "q", 0x401100)));
            assertThat(tree.stats().reused()).isEqualTo(1);
            assertThat(Files.getAttribute(root.resolve("80001"), "unix:ino")).isEqualTo(dir);
            assertThat(Files.getAttribute(root.resolve("80001/prov80001/prog/main/p"), "unix:ino")).isEqualTo(file);
            assertThat(files()).containsExactly("80001/other80001/prog/f/q", "80001/prov80001/prog/main/p");
            assertThat(file("80001/prov80001/prog/main/p").sites()).extracting(ProbeEntry.Site::address).containsExactly(0x401000L);
            assertThat(tree.stats().files()).isEqualTo(2);

            index.add(List.of(probe(701, 0, "prov", "prog", "main", "p", 0x501000))); // other sites: other content
            assertThat(tree.stats().reused()).isEqualTo(1);
            assertThat(file("701/prov701/prog/main/p").sites()).extracting(ProbeEntry.Site::address).containsExactly(0x501000L);

            // 80001's directory changes after its first registration: it is emptied when it goes, not kept
            index.add(List.of(probe(80001, 1, "prov", "prog", "main", "extra", 0x401200)));
            index.removePid(80001);
            index.add(List.of(probe(702, 0, "prov", "prog", "main", "p", 0x401000), probe(702, 0, "other", "prog", "f", "q", 0x401100)));
            assertThat(tree.stats().reused()).isEqualTo(1);
            assertThat(files()).containsExactly("701/prov701/prog/main/p", "702/other702/prog/f/q", "702/prov702/prog/main/p");
            index.removePid(701);
            index.removePid(702);
            assertThat(files()).isEmpty();
            assertThat(tree.stats().files()).isZero();

            // a recheck (SIGUSR2: files may have been written over in place, and parked files are links
            // of the same inodes) empties the parked directories: the next process gets fresh files
            tree.recheck();
            index.add(List.of(probe(703, 0, "prov", "prog", "main", "p", 0x501000)));
            assertThat(tree.stats().reused()).isEqualTo(1);
            assertThat(file("703/prov703/prog/main/p").sites()).extracting(ProbeEntry.Site::address).containsExactly(0x501000L);
        }
    }

    /**
     * A parked directory no process of its shape took is emptied of its files and kept: the next
     * process of new files in the same directories (a PIE program run again, at another base) takes
     * its directories with two renames and links only its own files into them.
     */
    @Test
    void aProcessOfNewFilesInTheSameDirectoriesTakesTheDirectoriesOfOneThatWent() throws Exception {
        try (ProbesTree tree = ProbesTree.attach(root, staging, index)) {
            index.add(List.of(probe(100, 0, "prov", "prog", "main", "p", 0x401000), probe(100, 0, "other", "prog", "f", "q", 0x401100)));
            Set<Object> dirs = directoryInodes(root.resolve("100"));
            assertThat(dirs).hasSize(7);
            index.removePid(100);
            // as many processes of another shape go after it: its parked directory is the oldest, emptied
            for (int i = 0; i < TreeFiles.PARKED; i++) {
                index.add(List.of(probe(200 + i, 0, "x", "m", "g", "r", 0x500000 + 16L * i)));
                index.removePid(200 + i);
            }
            tree.awaitBackground();

            index.add(List.of(probe(900, 0, "prov", "prog", "main", "p", 0x601000), probe(900, 0, "other", "prog", "f", "q2", 0x601100)));
            assertThat(directoryInodes(root.resolve("900"))).isEqualTo(dirs);
            assertThat(files()).containsExactly("900/other900/prog/f/q2", "900/prov900/prog/main/p");
            assertThat(directories()).containsExactly("900", "900/other900", "900/other900/prog", "900/other900/prog/f",
                    "900/prov900", "900/prov900/prog", "900/prov900/prog/main");
            assertThat(file("900/prov900/prog/main/p").sites()).extracting(ProbeEntry.Site::address).containsExactly(0x601000L);
            assertThat(file("900/other900/prog/f/q2").sites()).extracting(ProbeEntry.Site::address).containsExactly(0x601100L);
            assertThat(tree.stats().reused()).as("not a directory taken whole with its files").isZero();

            // other directories: made fresh, none of the kept ones
            index.add(List.of(probe(901, 0, "prov", "prog", "main", "p", 0x701000)));
            assertThat(directoryInodes(root.resolve("901"))).doesNotContainAnyElementsOf(dirs);
            assertThat(directories()).contains("901/prov901/prog/main").doesNotContain("901/other901");
            index.removePid(900);
            index.removePid(901);
            assertThat(files()).isEmpty();
            assertThat(tree.stats().files()).isZero();
        }
    }

    private static Set<Object> directoryInodes(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            Set<Object> inodes = new java.util.HashSet<>();
            for (Path p : (Iterable<Path>) s::iterator) {
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    inodes.add(Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS));
                }
            }
            return inodes;
        }
    }

    private static Set<Object> inodes(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            Set<Object> inodes = new java.util.HashSet<>();
            for (Path p : (Iterable<Path>) s::iterator) {
                inodes.add(Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS));
            }
            return inodes;
        }
    }

    /**
     * Off tmpfs, a process of new files takes the inodes of one that went: its emptied directories
     * and the files no other name links (on ext4 without a journal a new inode costs a scan of those
     * freed in the last minutes). Each file holds its new content whole, a shorter one included.
     */
    @Test
    void aNewProcessTakesTheInodesOfOneThatWent() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse("tmpfs".equals(Files.getFileStore(tmp).type()),
                "inodes are recycled off tmpfs only; the tmpfs case is the test below");
        try (ProbesTree tree = ProbesTree.attach(root, staging, index)) {
            index.add(List.of(probe(100, 0, "prov", "prog", "main", "p", 0x401000, 0x401010, 0x401020, 0x401030),
                    probe(100, 0, "prov", "prog", "work", "q", 0x402000, 0x402010)));
            Set<Object> went = inodes(root.resolve("100"));
            assertThat(went).as("5 directories, 2 files").hasSize(7);
            index.removePid(100);
            tree.recheck(); // forgets the templates and empties the parked directory: its files have no other name
            tree.awaitBackground();
            assertThat(stagingNames()).as("the spares: 2 files; the 5 directories kept whole").hasSize(3)
                    .allMatch(n -> n.startsWith("s-") || n.startsWith("parked-"));

            // new files (shorter ones) in the same directories
            index.add(List.of(probe(200, 0, "prov", "prog", "main", "r", 0x501000), probe(200, 0, "prov", "prog", "work", "s", 0x502000)));
            assertThat(inodes(root.resolve("200"))).isEqualTo(went);
            assertThat(files()).containsExactly("200/prov200/prog/main/r", "200/prov200/prog/work/s");
            assertThat(file("200/prov200/prog/main/r").sites()).extracting(ProbeEntry.Site::address).containsExactly(0x501000L);
            assertThat(file("200/prov200/prog/work/s").sites()).extracting(ProbeEntry.Site::address).containsExactly(0x502000L);
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("200/prov200/prog/main/r"))))
                    .isEqualTo("rw-------");
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("200/prov200"))))
                    .isEqualTo("rwx------");
            assertThat(stagingNames()).as("the two files are the new contents' templates").hasSize(2);

            // a directory its process changed after its first registration is emptied when it goes: its
            // directories are spares; what someone else put in one (root can), or made of one of its files,
            // is removed, never made a spare; so is a directory that held such things
            index.add(List.of(probe(200, 1, "other", "lib", "h", "t", 0x503000)));
            index.removePid(200); // its first registration's directories go with its files; the second's are emptied
            tree.awaitBackground();
            assertThat(stagingNames()).filteredOn(n -> n.startsWith("d-")).as("200, other200, lib, h").hasSize(4);
            index.add(List.of(probe(300, 0, "prov", "m", "f", "a", 0x601000)));
            index.add(List.of(probe(300, 1, "prov", "m", "f", "b", 0x601100)));
            assertThat(stagingNames()).filteredOn(n -> n.startsWith("d-")).as("300 took them").isEmpty();
            Path planted = Files.createDirectory(root.resolve("300/prov300/m/planted"));
            Files.writeString(planted.resolve("x"), "x");
            Files.setPosixFilePermissions(root.resolve("300/prov300/m/f/a"),
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            index.removePid(300);
            tree.awaitBackground(); // emptied (a file that two threads let go at once is freed, not kept)
            tree.recheck();
            tree.awaitBackground();
            assertThat(stagingNames()).filteredOn(n -> n.startsWith("d-"))
                    .as("f; not m, prov300 or 300, which held the planted directory").hasSize(1);
            assertThat(stagingNames()).filteredOn(n -> Files.isRegularFile(staging.resolve(n)))
                    .as("200's three files and b (a dropped template stays a spare under its name); not a, whose mode someone"
                            + " changed").hasSize(4);
            assertThat(stagingNames()).hasSize(5);
        }
    }

    @Test
    @Requires(Capability.ROOT)
    void onTmpfsNoInodeIsKept() throws Exception {
        try (Tmpfs fs = onTmpfs("fs", "4m")) {
            try (ProbesTree tree = ProbesTree.attachUnverified(root, staging, index)) {
                tree.verifyInBackground(); // ready: still no inode made ahead on tmpfs
                index.add(List.of(probe(100, 0, "prov", "prog", "main", "p", 0x401000)));
                index.removePid(100);
                tree.recheck();
                tree.awaitBackground();
                assertThat(stagingNames()).as("no spare; the parked directory, emptied of its files, is kept")
                        .hasSize(1).allMatch(n -> n.startsWith("parked-"));
                index.add(List.of(probe(200, 0, "other", "lib", "f", "r", 0x501000)));
                assertThat(files()).containsExactly("200/other200/lib/f/r");
            }
        }
    }

    /**
     * Off tmpfs, once the daemon is ready, the background thread keeps empty files and directories
     * made ahead in staging: a process of new content takes them (the registration allocates no
     * inode), each file holding its content whole.
     */
    @Test
    void onceReadyAProcessOfNewContentTakesInodesMadeAhead() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse("tmpfs".equals(Files.getFileStore(tmp).type()),
                "inodes are made ahead off tmpfs only");
        try (ProbesTree tree = ProbesTree.attachUnverified(root, staging, index)) {
            tree.awaitBackground();
            assertThat(stagingNames()).as("nothing made before the daemon is ready").isEmpty();
            tree.verifyInBackground();
            tree.awaitBackground();
            assertThat(stagingNames()).filteredOn(n -> n.startsWith("s-")).hasSize(TreeFiles.READY_FILES);
            assertThat(stagingNames()).filteredOn(n -> n.startsWith("d-")).hasSize(TreeFiles.READY_DIRECTORIES);
            assertThat(stagingNames()).hasSize(TreeFiles.READY_FILES + TreeFiles.READY_DIRECTORIES);
            Set<Object> ahead = inodes(staging);

            index.add(List.of(probe(100, 0, "prov", "prog", "main", "p", 0x401000, 0x401010),
                    probe(100, 0, "prov", "prog", "work", "q", 0x402000)));
            assertThat(files()).containsExactly("100/prov100/prog/main/p", "100/prov100/prog/work/q");
            assertThat(ahead).as("its 5 directories and 2 files were made ahead").containsAll(inodes(root.resolve("100")));
            assertThat(file("100/prov100/prog/main/p").sites()).extracting(ProbeEntry.Site::address)
                    .containsExactly(0x401000L, 0x401010L);
            assertThat(file("100/prov100/prog/work/q").sites()).extracting(ProbeEntry.Site::address).containsExactly(0x402000L);
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("100/prov100/prog/main/p"))))
                    .isEqualTo("rw-------");
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("100/prov100"))))
                    .isEqualTo("rwx------");
        }
    }

    /**
     * More distinct contents than templates are kept: the oldest templates go (in the background),
     * the tree's files stay whole, and a content whose template went is written afresh for the next
     * process that has it, while one still kept is linked.
     */
    @Test
    void templatesBeyondTheBoundGoAndTheirContentIsWrittenAgain() throws Exception {
        try (ProbesTree tree = ProbesTree.attach(root, staging, index)) {
            int n = TreeFiles.TEMPLATES + 10;
            for (int i = 0; i < n; i++) { // one registration each: a file's content names its provider's probe count
                index.add(List.of(probe(100, i, "prov", "prog", "main", "p" + i, 0x401000 + 16L * i)));
            }
            tree.awaitBackground();
            assertThat(stagingNames()).as("the templates kept").hasSize(TreeFiles.TEMPLATES);
            assertThat(files()).hasSize(n);
            assertThat(file("100/prov100/prog/main/p0").sites()).extracting(ProbeEntry.Site::address).containsExactly(0x401000L);

            // the same first and last contents in another process: the first's template went, the last's is kept
            index.add(List.of(probe(200, 0, "prov", "prog", "main", "p0", 0x401000)));
            index.add(List.of(probe(200, 1, "prov", "prog", "main", "p" + (n - 1), 0x401000 + 16L * (n - 1))));
            assertThat(file("200/prov200/prog/main/p0").sites()).extracting(ProbeEntry.Site::address).containsExactly(0x401000L);
            assertThat(Files.getAttribute(root.resolve("200/prov200/prog/main/p0"), "unix:ino"))
                    .isNotEqualTo(Files.getAttribute(root.resolve("100/prov100/prog/main/p0"), "unix:ino"));
            assertThat(Files.getAttribute(root.resolve("200/prov200/prog/main/p" + (n - 1)), "unix:ino"))
                    .isEqualTo(Files.getAttribute(root.resolve("100/prov100/prog/main/p" + (n - 1)), "unix:ino"));
        }
    }

    /**
     * Off tmpfs a spare still holds what it held: a process's files whose templates went, read for
     * their digest when its parked directory is emptied, are taken whole by the next process of that
     * content (the next run of a program, a process of a DOF registered before), not written again.
     */
    @Test
    void aSpareIsTakenWholeByTheNextFileOfItsContent() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse("tmpfs".equals(Files.getFileStore(tmp).type()),
                "inodes are recycled off tmpfs only");
        try (ProbesTree tree = ProbesTree.attach(root, staging, index)) {
            int n = TreeFiles.TEMPLATES + 10; // the first files' templates go while the process lives
            List<ProbeEntry> big = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                big.add(probe(100, 0, "prov", "prog", "main", "p" + i, 0x401000 + 16L * i));
            }
            index.add(big);
            tree.awaitBackground();
            List<Object> inodes = new ArrayList<>();
            List<Object> written = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Path f = root.resolve("100/prov100/prog/main/p" + i);
                inodes.add(Files.getAttribute(f, "unix:ino"));
                written.add(Files.getAttribute(f, "lastModifiedTime"));
            }
            index.removePid(100); // parked whole
            for (int pid = 101; pid <= 100 + TreeFiles.PARKED; pid++) { // pushes it out: its files are emptied
                index.add(List.of(probe(pid, 0, "other", "prog", "main", "x", 0x500000 + pid)));
                index.removePid(pid);
            }
            tree.awaitBackground();

            index.add(big.stream().map(e -> probe(200, 0, "prov", "prog", "main", e.name(),
                    e.sites().get(0).address())).toList());
            for (int i = 0; i < n; i++) {
                Path f = root.resolve("200/prov200/prog/main/p" + i);
                assertThat(Files.getAttribute(f, "unix:ino")).as("p%d: the inode that held it", i).isEqualTo(inodes.get(i));
                assertThat(Files.getAttribute(f, "lastModifiedTime")).as("p%d: not written again", i).isEqualTo(written.get(i));
            }
            assertThat(file("200/prov200/prog/main/p0").sites()).extracting(ProbeEntry.Site::address).containsExactly(0x401000L);
            assertThat(tree.stats().failures()).isZero();
        }
    }

    /**
     * The registrations of a process that goes are removed one at a time, each one's files leaving
     * the tree on their own: off tmpfs they too become spares of known content, so a process of the
     * same DOF later takes them whole (the distinct-processes row, whose DOF one process registered).
     * A directory planted where a file belonged is taken out with it and removed.
     */
    @Test
    void aRemovedRegistrationsFilesAreSparesOfKnownContent() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse("tmpfs".equals(Files.getFileStore(tmp).type()),
                "inodes are recycled off tmpfs only");
        try (ProbesTree tree = ProbesTree.attach(root, staging, index)) {
            int n = TreeFiles.TEMPLATES + 10; // the first ten files' templates go while the process lives
            List<ProbeEntry> big = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                big.add(probe(100, 0, "prov", "prog", "main", "p" + i, 0x401000 + 16L * i));
            }
            index.add(big);
            index.add(List.of(probe(100, 1, "other", "lib", "g", "q", 0x600000)));
            tree.awaitBackground();
            List<Object> held = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                Path f = root.resolve("100/prov100/prog/main/p" + i);
                held.add(List.of(Files.getAttribute(f, "unix:ino"), Files.getAttribute(f, "lastModifiedTime")));
            }
            Path last = root.resolve("100/prov100/prog/main/p" + (n - 1));
            Files.delete(last);
            Files.createDirectories(last.resolve("planted"));
            index.removePid(100); // registration 0 first: its files one by one, then registration 1's directory
            tree.awaitBackground();
            assertThat(stagingNames()).filteredOn(name -> Files.isDirectory(staging.resolve(name)))
                    .as("the planted directory is gone; the directories kept whole")
                    .allMatch(name -> name.startsWith("parked-") || name.startsWith("d-"));

            index.add(big.stream().map(e -> probe(200, 0, "prov", "prog", "main", e.name(),
                    e.sites().get(0).address())).toList());
            for (int i = 0; i < 10; i++) {
                Path f = root.resolve("200/prov200/prog/main/p" + i);
                assertThat(List.of(Files.getAttribute(f, "unix:ino"), Files.getAttribute(f, "lastModifiedTime")))
                        .as("p%d: the inode that held it, not written again", i).isEqualTo(held.get(i));
            }
            assertThat(file("200/prov200/prog/main/p0").sites()).extracting(ProbeEntry.Site::address).containsExactly(0x401000L);
            assertThat(tree.stats().failures()).isZero();
        }
    }

    /**
     * On tmpfs too the templates beyond the bound go by the background thread (unlinked there, no
     * spare kept), and the tree's files stay whole.
     */
    @Test
    @Requires(Capability.ROOT)
    void onTmpfsTemplatesBeyondTheBoundAreUnlinkedInTheBackground() throws Exception {
        try (Tmpfs fs = onTmpfs("fs", "64m")) {
            try (ProbesTree tree = ProbesTree.attach(root, staging, index)) {
                int n = TreeFiles.TEMPLATES + 10;
                for (int i = 0; i < n; i++) {
                    index.add(List.of(probe(100, i, "prov", "prog", "main", "p" + i, 0x401000 + 16L * i)));
                }
                tree.awaitBackground();
                assertThat(stagingNames()).as("the templates kept, nothing else").hasSize(TreeFiles.TEMPLATES)
                        .allMatch(name -> name.startsWith("t-"));
                assertThat(files()).hasSize(n);
                assertThat(file("100/prov100/prog/main/p0").sites()).extracting(ProbeEntry.Site::address).containsExactly(0x401000L);
                assertThat(tree.stats().failures()).isZero();
            }
        }
    }

    /** Processes of one program at one base (fork children) have identical files: links to one inode. */
    @Test
    void identicalFilesAreLinksOfOneInode() throws Exception {
        try (ProbesTree tree = ProbesTree.attach(root, staging, index)) {
            for (int pid = 500; pid < 503; pid++) {
                index.add(List.of(probe(pid, 0, "prov", "prog", "main", "p", 0x401000)));
            }
            Object ino = Files.getAttribute(root.resolve("500/prov500/prog/main/p"), "unix:ino");
            assertThat(Files.getAttribute(root.resolve("502/prov502/prog/main/p"), "unix:ino")).isEqualTo(ino);
            index.removePid(500);
            assertThat(file("501/prov501/prog/main/p").sites()).hasSize(1);
            index.add(List.of(probe(501, 1, "prov", "prog", "main", "p", 0x402000)));
            assertThat(Files.getAttribute(root.resolve("501/prov501/prog/main/p"), "unix:ino"))
                    .as("a file whose content changes is replaced, not written in place").isNotEqualTo(ino);
            assertThat(file("502/prov502/prog/main/p").sites()).as("the others keep theirs")
                    .extracting(ProbeEntry.Site::address).containsExactly(0x401000L);
        }
    }

    /** One object registered again (its REMOVE lost, as on the FUSE-file route) leaves its files as they are. */
    @Test
    void aRegistrationThatChangesNoFileWritesNone() throws Exception {
        try (ProbesTree tree = ProbesTree.attach(root, staging, index)) {
            index.add(List.of(probe(600, 0, "prov", "prog", "main", "p", 0x401000)));
            Object ino = Files.getAttribute(root.resolve("600/prov600/prog/main/p"), "unix:ino");
            long written = tree.stats().written();
            for (long gen = 1; gen <= 20; gen++) {
                index.add(List.of(probe(600, gen, "prov", "prog", "main", "p", 0x401000)));
                index.removeRegistration(600, gen - 1);
            }
            assertThat(tree.stats().written()).isEqualTo(written);
            assertThat(Files.getAttribute(root.resolve("600/prov600/prog/main/p"), "unix:ino")).isEqualTo(ino);
            assertThat(tree.stats().files()).isEqualTo(1);
        }
    }

    /**
     * The same, as the daemon commits it: the stash replaces the earlier registration, and the index
     * publishes the new one before the removal, so the process's directory is never taken out and made again.
     */
    @Test
    void aReplacedRegistrationOfTheSameObjectTouchesNoFile() throws Exception {
        try (ProbesTree tree = ProbesTree.attach(root, staging, index)) {
            index.add(List.of(probe(601, 0, "prov", "prog", "main", "p", 0x401000)));
            Object dir = Files.getAttribute(root.resolve("601"), "unix:ino");
            Object ino = Files.getAttribute(root.resolve("601/prov601/prog/main/p"), "unix:ino");
            ProbesTree.Stats before = tree.stats();
            for (long gen = 1; gen <= 20; gen++) {
                index.add(List.of(probe(601, gen, "prov", "prog", "main", "p", 0x401000)), List.of(new RegistrationKey(601, gen - 1)));
            }
            assertThat(tree.stats()).isEqualTo(before);
            assertThat(Files.getAttribute(root.resolve("601"), "unix:ino")).isEqualTo(dir);
            assertThat(Files.getAttribute(root.resolve("601/prov601/prog/main/p"), "unix:ino")).isEqualTo(ino);
            assertThat(index.registrationCount(0)).isEqualTo(1);
        }
    }

    /**
     * A full file system costs a registration its files (the registration itself stays), and the
     * daemon's periodic {@link ProbesTree#mend} writes them once there is room, without a restart.
     */
    @Test
    @Requires(Capability.ROOT)
    void filesAFullFileSystemCostAreWrittenByAMendOnceThereIsRoom() throws Exception {
        try (Tmpfs fs = onTmpfs("small", "1m")) {
            try (ProbesTree tree = ProbesTree.attach(root, staging, index)) {
                Path filler = fs.fill("filler");
                index.add(List.of(probe(900, 0, "prov", "prog", "main", "p", 0x401000)));
                assertThat(tree.stats().failures()).isPositive();
                assertThat(files()).isEmpty();
                tree.mend();
                assertThat(files()).as("still full: still missing").isEmpty();

                Files.delete(filler);
                tree.mend();
                assertThat(files()).containsExactly("900/prov900/prog/main/p");
                assertThat(file("900/prov900/prog/main/p").sites()).extracting(ProbeEntry.Site::address)
                        .containsExactly(0x401000L);
                long written = tree.stats().written();
                tree.mend();
                assertThat(tree.stats().written()).as("nothing left to mend").isEqualTo(written);
                index.removePid(900);
                assertThat(files()).isEmpty();
            }
        }
    }

    @Test
    void twoRegistrationsOfOneFileShareItUntilTheLastGoes() throws Exception {
        try (ProbesTree tree = ProbesTree.attach(root, staging, index)) {
            index.add(List.of(probe(7, 0, "prov", "libx.so", "f", "p", 0x7f0000001000L)));
            index.add(List.of(probe(7, 1, "prov", "libx.so", "f", "p", 0x7f0000009000L),
                    probe(7, 1, "prov", "libx.so", "g", "q", 0x7f0000009100L)));
            assertThat(file("7/prov7/libx.so/f/p").sites()).extracting(ProbeEntry.Site::address)
                    .containsExactly(0x7f0000001000L, 0x7f0000009000L);
            assertThat(file("7/prov7/libx.so/f/p").providerProbes()).as("counted in the earliest registration").isEqualTo(1);
            assertThat(tree.stats().files()).isEqualTo(2);

            index.removeRegistration(7, 0);
            assertThat(file("7/prov7/libx.so/f/p").sites()).extracting(ProbeEntry.Site::address)
                    .containsExactly(0x7f0000009000L);
            assertThat(files()).containsExactly("7/prov7/libx.so/f/p", "7/prov7/libx.so/g/q");
            index.removePid(7);
            assertThat(files()).isEmpty();
            assertThat(tree.stats().files()).isZero();
        }
    }

    @Test
    void startMakesTheTreeMatchTheIndexTouchingOnlyWhatDiffers() throws Exception {
        index.add(List.of(probe(200, 0, "prov", "prog", "main", "a", 0x401000),
                probe(200, 0, "prov", "prog", "main", "b", 0x401100)));
        try (ProbesTree tree = ProbesTree.attach(root, staging, index)) {
            assertThat(files()).hasSize(2);
        }
        Path a = root.resolve("200/prov200/prog/main/a");
        Object inodeOfA = Files.getAttribute(a, "unix:ino");
        Files.write(root.resolve("200/prov200/prog/main/b"), new byte[] {1, 2, 3}); // differs
        Files.createDirectories(root.resolve("999/prov999/prog/main"));           // a dead pid's
        Files.write(root.resolve("999/prov999/prog/main/x"), new byte[8]);
        Files.write(root.resolve("200/prov200/prog/main/stray"), new byte[8]);    // not in the index
        Files.write(root.resolve("notapid"), new byte[1]);
        Files.write(staging.resolve("0"), new byte[5]);                           // a write cut short
        try (ProbesTree tree = ProbesTree.attach(root, staging, index)) {
            assertThat(files()).as("the dead pid's directory and the stray file went at once")
                    .noneMatch(f -> f.startsWith("999/") || f.equals("notapid"));
            tree.awaitVerified();
            assertThat(files()).containsExactly("200/prov200/prog/main/a", "200/prov200/prog/main/b");
            assertThat(Files.getAttribute(a, "unix:ino")).as("a right file is kept").isEqualTo(inodeOfA);
            assertThat(file("200/prov200/prog/main/b").sites()).extracting(ProbeEntry.Site::address).containsExactly(0x401100L);
            assertThat(tree.stats().files()).isEqualTo(2);
            assertThat(tree.stats().written()).isEqualTo(1);
            tree.awaitBackground(); // the strays taken out are emptied by the background thread
            assertThat(stagingNames()).as("the write cut short is gone").containsExactly(
                    stagingNames().stream().filter(n -> n.startsWith("t-")).toArray(String[]::new));
        }
    }

    /** A link planted anywhere in the tree is removed, never followed: its target stays untouched. */
    @Test
    void followsNoLink() throws Exception {
        Path outside = Files.createDirectory(tmp.resolve("outside"));
        Path victim = Files.writeString(outside.resolve("victim"), "keep");
        try (ProbesTree tree = ProbesTree.attach(root, staging, index)) {
            Files.createSymbolicLink(root.resolve("300"), outside);
            index.add(List.of(probe(300, 0, "prov", "prog", "main", "victim", 0x401000)));
            assertThat(Files.isSymbolicLink(root.resolve("300"))).isFalse();
            assertThat(file("300/prov300/prog/main/victim").sites()).hasSize(1);
            Files.createDirectories(root.resolve("301/prov301/prog"));
            Files.createSymbolicLink(root.resolve("301/prov301/prog/main"), outside);
            index.add(List.of(probe(301, 0, "prov", "prog", "main", "victim", 0x401000)));
            assertThat(Files.readString(victim)).isEqualTo("keep");
            try (Stream<Path> s = Files.list(outside)) {
                assertThat(s).containsExactly(victim);
            }
            index.removePid(301);
            assertThat(Files.readString(victim)).isEqualTo("keep");
        }
        Files.createSymbolicLink(root.resolve("302"), outside);
        try (ProbesTree tree = ProbesTree.attach(root, staging, index)) {
            assertThat(Files.exists(root.resolve("302"), LinkOption.NOFOLLOW_LINKS)).isFalse();
            assertThat(Files.readString(victim)).isEqualTo("keep");
        }
    }

    /** A reader never sees part of a file: each read, while the file is rewritten, is a whole one. */
    @Test
    void aReaderSeesWholeFilesOnly() throws Exception {
        Path f = root.resolve("400/prov400/prog/main/p");
        try (ProbesTree tree = ProbesTree.attach(root, staging, index)) {
            index.add(List.of(probe(400, 0, "prov", "prog", "main", "p", 0x401000)));
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong reads = new AtomicLong();
            AtomicReference<Throwable> bad = new AtomicReference<>();
            Thread reader = new Thread(() -> {
                while (!stop.get()) {
                    try {
                        ProbeFile.decode(Files.readAllBytes(f));
                        reads.incrementAndGet();
                    } catch (java.nio.file.NoSuchFileException gone) {
                        // between a removal and the next write: none, which is allowed
                    } catch (Exception e) {
                        bad.set(e);
                        return;
                    }
                }
            });
            reader.start();
            for (int i = 1; i <= 2_000; i++) {
                long[] sites = new long[1 + i % 50];
                for (int k = 0; k < sites.length; k++) {
                    sites[k] = 0x401000 + 16L * k;
                }
                index.add(List.of(probe(400, i, "prov", "prog", "main", "p", sites)));
                index.removeRegistration(400, i - 1);
            }
            stop.set(true);
            reader.join();
            assertThat(bad.get()).isNull();
            assertThat(reads.get()).isPositive();
        }
    }

    @Test
    void removeStaleDeletesATreeLeftByAnEarlierRun() throws Exception {
        Files.createDirectories(root.resolve("5/prov5/m/f"));
        Files.write(root.resolve("5/prov5/m/f/p"), new byte[8]);
        ProbesTree.removeStale(root);
        assertThat(Files.exists(root)).isFalse();
        ProbesTree.removeStale(root); // nothing there: nothing to do
    }
}
