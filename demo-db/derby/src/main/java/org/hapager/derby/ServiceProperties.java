package org.hapager.derby;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * Finishes an interrupted rewrite of {@code service.properties} before Derby looks at it.
 *
 * <p>Derby rewrites the file by renaming it to {@code service.propertiesold}, writing the new one and
 * deleting the old. After a crash in between, both exist, and Derby's recovery reads the new one with
 * {@code java.io.FileInputStream} on {@code getPath()}, which cannot open a hapager file. So the factory
 * applies Derby's own rule first, through hapager: if the current file ends with Derby's end-of-file marker
 * it is complete and the old one goes; otherwise the old one comes back. Derby then finds a single file.
 */
final class ServiceProperties {

    static final String NAME = "service.properties";
    static final String OLD_NAME = NAME + "old";
    /** The last line Derby writes into a complete service.properties (StorageFactoryService). */
    static final String EOF_TOKEN = "#--- last line, don't put anything after this line ---";

    private ServiceProperties() {
    }

    static void resolveInterruptedRewrite(HapagerStorageFactory factory) throws IOException {
        HapagerFile old = (HapagerFile) factory.newStorageFile(OLD_NAME);
        if (!old.exists()) {
            return;
        }
        HapagerFile current = (HapagerFile) factory.newStorageFile(NAME);
        if (!current.exists()) {
            factory.cluster().rename(old.path, current.path, true);
        } else if (complete(current)) {
            factory.cluster().delete(old.path);
        } else {
            factory.cluster().rename(old.path, current.path, true);
        }
    }

    /**
     * Derby's test, to the letter (StorageFactoryService.resolveServicePropertiesFiles): the last line that is
     * not empty after {@code trim()} starts with the end-of-file marker. trim() drops NULs too, so the zeros a
     * write-back of the last page leaves past a complete file's end (a crash before its exact length was set)
     * do not make it incomplete.
     */
    private static boolean complete(HapagerFile file) throws IOException {
        String lastLine = null;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(file.getInputStream(), StandardCharsets.ISO_8859_1))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.trim().length() != 0) {
                    lastLine = line;
                }
            }
        }
        return lastLine != null && lastLine.startsWith(EOF_TOKEN);
    }
}
