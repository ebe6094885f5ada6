package org.dtprobed.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code --version} of every tool, run as its own JVM from the built classes: one line with the
 * project version and the git commit the build was made from (not "unknown": this runs in a
 * checkout), exit 0, nothing on stderr.
 */
class VersionTest {
    @ParameterizedTest
    @CsvSource({"dtprobed, org.dtprobed.daemon.DtprobedMain", "dtprobe, org.dtprobed.client.Dtprobe",
        "dof-dump, org.dtprobed.dof.dump.DofDump", "stash-dump, org.dtprobed.stash.dump.StashDump"})
    void versionNamesTheBuildAndItsCommit(String tool, String main) throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), main,
                "--version").start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("stderr: %s", err).isZero();
        assertThat(err).isEmpty();
        assertThat(out.lines().toList()).hasSize(1);
        assertThat(out).matches(tool.replace("-", "\\-") + " \\d+\\.\\d+\\.\\d+(-SNAPSHOT)? \\(commit [0-9a-f]{12}(-dirty)?,"
                + " Java \\S+\\)\\n");
        assertThat(out).contains("commit " + head());
    }

    /** The commit checked out now (the build ran from this tree moments ago). */
    private static String head() throws Exception {
        Process git = new ProcessBuilder("git", "rev-parse", "--short=12", "HEAD").start();
        String sha = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(git.waitFor()).isZero();
        return sha;
    }
}
