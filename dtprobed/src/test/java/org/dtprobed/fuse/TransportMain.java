package org.dtprobed.fuse;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.dtprobed.helper.InMemoryHelperRequests;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Serves the helper device with the in-memory {@link InMemoryHelperRequests}, for driving a
 * transport on its own (the qemu CUSE harness, manual tests, the benchmark). Prints
 * {@code ready <kind> <device path>} on stdout once clients may open the device, and serves until
 * SIGTERM/SIGINT or until stdin reaches EOF when {@code --stdin-eof} is given. A test-scope harness
 * (scripts run it from {@code target/test-classes}): it parses in-process, outside the jail.
 */
@Command(name = "dtprobed-transport", mixinStandardHelpOptions = true,
        description = "Serve /dev/<device> with an in-memory registry (transport harness).")
public final class TransportMain implements Callable<Integer> {
    @Option(names = "--transport", description = "auto, cuse or fuse (auto: cuse when /dev/cuse exists)",
            defaultValue = "auto")
    String transport;

    @Option(names = "--device", description = "device name under /dev", defaultValue = TransportConfig.DEFAULT_DEVICE)
    String device;

    @Option(names = "--mountpoint", description = "FUSE-file mount directory", defaultValue = "/run/dtrace/helperfs")
    Path mountpoint;

    @Option(names = "--workers", description = "worker threads", defaultValue = "4")
    int workers;

    @Option(names = "--stdin-eof", description = "stop when stdin is closed")
    boolean stdinEof;

    public static void main(String[] args) {
        System.exit(new CommandLine(new TransportMain()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        HelperTransport t;
        try {
            TransportConfig config = TransportConfig.defaults().withDeviceName(device).withMountpoint(mountpoint)
                    .withWorkers(workers);
            t = Transports.start(transport, config, new InMemoryHelperRequests());
        } catch (IllegalArgumentException e) {
            System.err.println("dtprobed-transport: " + e.getMessage());
            return 2;
        } catch (java.io.IOException e) {
            System.err.println("dtprobed-transport: " + e.getMessage());
            return 1;
        }
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            t.close();
            stop.countDown();
        }, "transport-shutdown"));
        System.out.println("ready " + t.kind() + " " + t.devicePath());
        System.out.flush();
        if (stdinEof) {
            while (System.in.read() >= 0) {
                // discard
            }
            t.close();
            return 0;
        }
        stop.await();
        return 0;
    }
}
