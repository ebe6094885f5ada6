package org.dtprobed.version;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;

/**
 * The version and git commit this build was made from (build.properties, written by the build
 * from {@code git describe}), for every tool's {@code --version} and the daemon's metrics.
 */
public final class BuildInfo implements CommandLine.IVersionProvider {
    private static final String RESOURCE = "/org/dtprobed/version/build.properties";
    private static final Properties PROPS = load();

    private static Properties load() {
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream(RESOURCE)) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // a jar without it still runs; --version then says "unknown"
        }
        return p;
    }

    public static String version() {
        return PROPS.getProperty("version", "unknown");
    }

    /** The abbreviated commit, with {@code -dirty} when the tree had uncommitted changes. */
    public static String commit() {
        return PROPS.getProperty("commit", "unknown");
    }

    /** One line: {@code TOOL VERSION (commit COMMIT, Java VERSION)}. */
    public static String line(String tool) {
        return tool + " " + version() + " (commit " + commit() + ", Java " + Runtime.version() + ")";
    }

    @Override
    public String[] getVersion() {
        return new String[] {line("${COMMAND-FULL-NAME}")};
    }
}
