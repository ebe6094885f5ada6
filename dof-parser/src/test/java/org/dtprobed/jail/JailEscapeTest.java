package org.dtprobed.jail;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import java.util.concurrent.TimeUnit;

/**
 * Inside the real jail, a test-only entry point tries to open a file, open a socket, start a
 * process and more; each must fail with EPERM while threads still start. The same attempts
 * without the jail succeed, which shows the attempts are real.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class JailEscapeTest {
    private static final String EPERM_TEXT = "Operation not permitted";
    private static ChildJars jars;

    @BeforeAll
    static void jars() throws Exception {
        jars = ChildJars.create("org/dtprobed/jail/JailEscapeMain.class");
    }

    @AfterAll
    static void cleanUp() throws Exception {
        jars.close();
    }

    @Test
    void everyEscapeFailsWithEpermAndThreadsStillStart() throws Exception {
        Map<String, String> r = run(JailOptions.DEFAULT);
        assertThat(r.get("jailed")).startsWith("true");
        assertThat(r.get("java-read")).contains("FileSystemException").contains(EPERM_TEXT);
        assertThat(r.get("java-socket")).contains("SocketException").contains(EPERM_TEXT);
        assertThat(r.get("java-exec")).contains("IOException").containsAnyOf("error=1,", "error: 1 (");
        assertThat(r.get("libc-open")).isEqualTo("rc=-1 errno=1");
        assertThat(r.get("libc-socket-inet")).isEqualTo("rc=-1 errno=1");
        assertThat(r.get("libc-socket-unix")).isEqualTo("rc=-1 errno=1");
        assertThat(r.get("kill-parent")).isEqualTo("rc=-1 errno=1");
        assertThat(r.get("kill-init")).isEqualTo("rc=-1 errno=1");
        assertThat(r.get("kill-self")).isEqualTo("rc=0 errno=0");
        assertThat(r.get("ptrace-peek")).isEqualTo("rc=-1 errno=1");
        assertThat(r.get("io-uring-setup")).isEqualTo("rc=-1 errno=1");
        assertThat(r.get("clone3")).isEqualTo("rc=-1 errno=38");
        assertThat(r.get("x32-getpid")).isEqualTo("rc=-1 errno=1");
        assertThat(r.get("thread")).isEqualTo("ok");
        assertThat(r.get("setuid-root")).isEqualTo("rc=-1 errno=1");
        assertThat(r).containsKey("done");
    }

    @Test
    void withoutTheJailTheSameAttemptsSucceed() throws Exception {
        Map<String, String> r = run(new JailOptions(false, JailOptions.DEFAULT_USER, null, 0, 0, false));
        assertThat(r.get("jailed")).startsWith("false");
        assertThat(r.get("java-read")).isEqualTo("ok");
        assertThat(r.get("java-exec")).isEqualTo("ok");
        assertThat(r.get("libc-open")).doesNotContain("errno=1").startsWith("rc=");
        assertThat(r.get("libc-socket-unix")).doesNotContain("rc=-1");
        assertThat(r.get("kill-parent")).isEqualTo("rc=0 errno=0");
        assertThat(r.get("clone3")).doesNotContain("errno=38");
        assertThat(r.get("ptrace-peek")).isEqualTo("rc=-1 errno=3");
        assertThat(r.get("thread")).isEqualTo("ok");
        assertThat(r).containsKey("done");
    }

    private static Map<String, String> run(JailOptions options) throws Exception {
        ChildCommand cmd = jars.command(options).withMainClass(JailEscapeMain.class.getName());
        try (RunningChild child = RunningChild.start(cmd)) {
            Map<String, String> results = new LinkedHashMap<>();
            BufferedReader r = new BufferedReader(new InputStreamReader(child.process().getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = r.readLine()) != null) {
                int sp = line.indexOf(' ');
                results.put(sp < 0 ? line : line.substring(0, sp), sp < 0 ? "" : line.substring(sp + 1));
            }
            assertThat(child.waitFor(30)).as("exit; stderr:%n%s", child.stderr()).isZero();
            assertThat(results).as("stderr:%n%s", child.stderr()).containsKey("done");
            return results;
        }
    }
}
