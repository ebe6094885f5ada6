package org.dtprobed.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParserUserTest {
    @TempDir
    Path tmp;

    private Path etc(String passwd, String group) throws Exception {
        Path etc = Files.createDirectories(tmp.resolve("etc"));
        Files.writeString(etc.resolve("passwd"), passwd);
        Files.writeString(etc.resolve("group"), group);
        return etc;
    }

    private Path proc(int... uids) throws Exception {
        Path proc = Files.createDirectories(tmp.resolve("proc"));
        Files.createDirectories(proc.resolve("self"));
        int pid = 100;
        for (int uid : uids) {
            Path p = Files.createDirectories(proc.resolve(Integer.toString(pid++)));
            Files.writeString(p.resolve("status"), "Name:\tx\nUid:\t" + uid + "\t" + uid + "\t" + uid + "\t" + uid + "\n");
        }
        return proc;
    }

    @Test
    void autoTakesTheInstallersAccount() throws Exception {
        Path etc = etc("root:x:0:0::/root:/bin/sh\ndtprobed-parser:x:998:998::/nonexistent:/usr/sbin/nologin\n", "");
        assertThat(ParserUser.resolve("auto", etc, proc())).isEqualTo("dtprobed-parser");
    }

    @Test
    void autoAllocatesAUidNoAccountGroupOrProcessUses() throws Exception {
        Path etc = etc("root:x:0:0::/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\ndyn:x:61184:61184::/:/bin/false\n",
                "g:x:61185:\n");
        assertThat(ParserUser.resolve("auto", etc, proc(0, 61186, 65534))).isEqualTo("61187");
    }

    @Test
    void anExplicitUserIsKept() throws Exception {
        assertThat(ParserUser.resolve("daemon", etc("", ""), proc())).isEqualTo("daemon");
        assertThat(ParserUser.resolve("61200", etc("", ""), proc())).isEqualTo("61200");
    }
}
