package org.dtprobed.vm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Started by {@link CuseGuestIT} inside the guest from {@code target/test-classes}: shows that
 * the host's JDKs and this build's classes run there, on which kernel, and that {@code /dev/cuse}
 * and the writable work dir are visible from Java.
 */
public final class GuestProbe {

  private GuestProbe() {
  }

  public static void main(String[] args) throws IOException {
    String spec = System.getProperty("java.specification.version");
    String line = "probe: java=" + spec
        + " os.version=" + System.getProperty("os.version")
        + " cuse=" + Files.exists(Path.of("/dev/cuse"));
    System.out.println(line);
    String work = System.getenv("DTP_VM_WORK");
    if (work != null) {
      Files.writeString(Path.of(work, "probe-" + spec + ".txt"), line + "\n");
    }
  }
}
