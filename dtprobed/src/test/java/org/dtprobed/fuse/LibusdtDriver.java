package org.dtprobed.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;

/**
 * {@code src/test/c/usdt_driver.c} linked with unmodified libusdt from npm
 * ({@code dtrace-provider@0.8.8}), built against the test shim {@code <sys/dtrace.h>}. Needs npm,
 * the registry, make and gcc ({@code @Requires(NPM, GCC)}).
 */
public final class LibusdtDriver {
    private LibusdtDriver() {
    }

    /** Builds the driver in {@code dir} and returns its path. */
    public static Path build(Path dir) throws IOException, InterruptedException {
        LibusdtIT.Result pack = LibusdtIT.exec(dir, 120, "npm", "pack", "--silent", "dtrace-provider@0.8.8");
        assertThat(pack.status()).as("npm pack dtrace-provider@0.8.8 (is the npm registry reachable?): %s",
                pack.output()).isZero();
        assertThat(LibusdtIT.exec(dir, 60, "tar", "xzf", "dtrace-provider-0.8.8.tgz").status()).isZero();
        Path lib = dir.resolve("package/libusdt");
        LibusdtIT.Result make = LibusdtIT.exec(lib, 120, "make",
                "CFLAGS=-O2 -Wall -D_GNU_SOURCE -fPIC -I" + CClient.C_SOURCES);
        assertThat(make.status()).as("make: %s", make.output()).isZero();
        Path driver = dir.resolve("usdt_driver");
        LibusdtIT.Result gcc = LibusdtIT.exec(lib, 60, "gcc", "-O2", "-Wall", "-I.", "-I" + CClient.C_SOURCES, "-o",
                driver.toString(), CClient.C_SOURCES.resolve("usdt_driver.c").toString(), "libusdt.a");
        assertThat(gcc.status()).as("gcc: %s", gcc.output()).isZero();
        return driver;
    }

    /**
     * The command that runs the driver (with {@code args}) in a private mount namespace whose
     * {@code /dev/dtrace/helper} is {@code helper}: libusdt always opens that path, and the host's
     * device is never touched.
     */
    public static java.util.List<String> command(Path driver, Path helper, String... args) {
        String script = "mount -t tmpfs -o mode=755 dtprobed-test /dev/dtrace && ln -s \"$1\" /dev/dtrace/helper"
                + " && shift && exec \"$@\"";
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("unshare", "--mount", "--propagation",
                "private", "sh", "-c", script, "sh", helper.toString(), driver.toString()));
        cmd.addAll(java.util.List.of(args));
        return cmd;
    }
}
