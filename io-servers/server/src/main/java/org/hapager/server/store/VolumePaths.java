package org.hapager.server.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.hapager.wire.Status;
import org.hapager.wire.VolumeName;
import org.hapager.server.log.RateLimitedLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps volume names to files under the volumes root and reaches them without ever leaving it.
 *
 * <h2>Never through a link</h2>
 * Every file and directory is reached from one open handle on the root ({@link SecureDirectoryStream}, an open
 * directory descriptor on Linux), one component at a time, each opened relative to the handle of its parent with
 * {@code O_NOFOLLOW}: a symbolic link anywhere on the way is refused (INVALID, logged), and a local process that
 * swaps a directory with a link while the server works cannot redirect a component already opened, nor one about
 * to be opened. Files are created, opened, stat'ed, deleted and renamed relative to their parent's handle too
 * ({@code openat}, {@code fstatat}, {@code unlinkat}, {@code renameat}). Java has no {@code mkdirat}: a directory
 * directly under the root is created by its path (nothing above the root is writable by whom this defends
 * against, and {@code mkdir} does not follow a link in its last component), a deeper one is created under the
 * root with a name no volume maps to and renamed into place relative to the handles. A volume whose inode has
 * more than one link is refused as well (INVALID, logged): a hard link planted in the data directory could
 * point at a file outside it. The link count is read by path and tied to the file reached through the handles by
 * its file key before and after the open; a process that swaps the file twice within that window could still
 * slip in a hard-linked file, which on Linux with {@code fs.protected_hardlinks} (the default) is one it can
 * already write itself.
 *
 * <h2>Names on disk</h2>
 * Each component of a volume name is stored as a pure ASCII file name, so that a name the protocol accepts is
 * stored and served the same way whatever the server's locale (under the C locale Java cannot name a file with
 * non-ASCII characters at all). ASCII characters stand for themselves; each UTF-8 byte of every other character
 * is written as a backslash and two lower-case hex digits: {@code ü} is stored as {@code \c3\bc}. The backslash
 * is the one printable character {@link VolumeName} refuses, so no name is ambiguous and ASCII names, all that
 * Derby uses, keep the on-disk names they have always had. Listings decode the file names; a file name that is
 * not the canonical form of a valid name (say raw UTF-8 bytes, or the temporary directories of a creation) is
 * not a volume and is left out. Each stored component must fit the file system's 255 bytes, so a component with
 * non-ASCII characters is limited to fewer characters than an ASCII one (a byte of a non-ASCII character takes
 * three).
 *
 * <p>Thread-safe: the root handle is shared (the JDK guards it); every other handle belongs to one operation.
 */
final class VolumePaths implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(VolumePaths.class);
    /** Refusals, at most one line every 10 s; the others are counted into the next line. */
    private static final RateLimitedLog refusals = new RateLimitedLog(log, RateLimitedLog.DEFAULT_INTERVAL, System::nanoTime);
    /** The longest file name the file system takes. */
    static final int MAX_STORED_SEGMENT_BYTES = 255;
    /** What a directory being created deeper than the root is called under the root until renamed into place. */
    private static final String CREATING_PREFIX = "\\creating-";
    private static final Path SELF = Path.of(".");

    private final Path root;
    private final SecureDirectoryStream<Path> rootHandle;

    /** @param root the volumes directory; must exist and is made absolute and real (links resolved once). */
    VolumePaths(Path root) throws IOException {
        this.root = root.toRealPath();
        DirectoryStream<Path> stream = Files.newDirectoryStream(this.root);
        if (!(stream instanceof SecureDirectoryStream<Path> secure)) {
            stream.close();
            throw new IOException("this platform cannot open files relative to a directory (no SecureDirectoryStream);"
                    + " the page server needs Linux");
        }
        this.rootHandle = secure;
        removeLeftoverCreations();
    }

    Path root() {
        return root;
    }

    // ---------------------------------------------------------------------------------------------- names

    /** The on-disk file name of one valid name component (see the class comment). */
    static String storedName(String segment) {
        StringBuilder stored = new StringBuilder(segment.length());
        for (int i = 0; i < segment.length(); ) {
            int codePoint = segment.codePointAt(i);
            int next = i + Character.charCount(codePoint);
            if (codePoint < 0x80) {
                stored.append((char) codePoint);
            } else {
                for (byte b : segment.substring(i, next).getBytes(StandardCharsets.UTF_8)) {
                    stored.append('\\').append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
                }
            }
            i = next;
        }
        return stored.toString();
    }

    /** The name component an on-disk file name stands for, or null if it is not the stored form of a valid one. */
    static String segmentOf(String stored) {
        ByteBuffer bytes = ByteBuffer.allocate(stored.length());
        for (int i = 0; i < stored.length(); i++) {
            char c = stored.charAt(i);
            if (c >= 0x80) {
                return null; // not written by this mapping (raw UTF-8 decoded by the locale, say)
            }
            if (c != '\\') {
                bytes.put((byte) c);
                continue;
            }
            int high = i + 2 < stored.length() ? Character.digit(stored.charAt(i + 1), 16) : -1;
            int low = high >= 0 ? Character.digit(stored.charAt(i + 2), 16) : -1;
            if (low < 0) {
                return null;
            }
            bytes.put((byte) (high << 4 | low));
            i += 2;
        }
        String segment;
        try {
            segment = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes.flip()).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
        // one spelling per name: ASCII escaped or upper-case hex digits are not the stored form
        boolean valid = segment.indexOf('/') < 0 && VolumeName.problem(segment, false) == null;
        return valid && storedName(segment).equals(stored) ? segment : null;
    }

    /**
     * The stored path of a name, relative to nothing on disk: the key of the open-file cache and the name in
     * messages. Checks the name rules again (defense in depth behind the codec) and that each stored component
     * fits the file system; {@code rootAllowed} lets the empty name mean the root.
     */
    Path key(String name, boolean rootAllowed) throws StoreException {
        return root.resolve(String.join("/", storedSegments(name, rootAllowed)));
    }

    private List<String> storedSegments(String name, boolean rootAllowed) throws StoreException {
        String problem = VolumeName.problem(name, rootAllowed);
        if (problem != null) {
            throw new StoreException(Status.INVALID, "invalid volume name: " + problem);
        }
        List<String> stored = new ArrayList<>();
        if (name.isEmpty()) {
            return stored;
        }
        for (String segment : name.split("/", -1)) {
            String s = storedName(segment);
            if (s.length() > MAX_STORED_SEGMENT_BYTES) {
                throw new StoreException(Status.INVALID, "volume " + name + ": the name component " + segment + " takes "
                        + s.length() + " bytes on disk (each byte of a non-ASCII character takes 3), more than the "
                        + MAX_STORED_SEGMENT_BYTES + " a file name may have");
            }
            stored.add(s);
        }
        return stored;
    }

    /** The name of {@code key} relative to the root, for messages. */
    String nameOf(Path key) {
        return root.relativize(key).toString();
    }

    // ---------------------------------------------------------------------------------------------- the walk

    /**
     * Where a name lives: an open handle on its parent directory, reached from the root handle without following
     * any link, and its file name there. {@link #parent} is null when the parent chain does not exist (a
     * component is missing, or is a volume), so nothing can be at the name. Closing it closes the parent handle
     * (never the root's). Belongs to one operation.
     */
    final class Location implements AutoCloseable {
        final String name;
        final Path key;
        /** The parent's handle, or null if the parent does not exist; for the root itself, the root's handle. */
        final SecureDirectoryStream<Path> parent;
        /** The stored file name in {@link #parent}, or {@link #SELF} for the root itself. */
        final Path leaf;

        private Location(String name, Path key, SecureDirectoryStream<Path> parent, Path leaf) {
            this.name = name;
            this.key = key;
            this.parent = parent;
            this.leaf = leaf;
        }

        boolean parentExists() {
            return parent != null;
        }

        boolean isRoot() {
            return leaf == SELF;
        }

        /** What is at the name, without following links, or null if nothing is; INVALID for a symbolic link. */
        BasicFileAttributes attributes() throws IOException, StoreException {
            if (parent == null) {
                return null;
            }
            BasicFileAttributes attrs = attributesIn(parent, leaf);
            if (attrs != null && attrs.isSymbolicLink()) {
                throw linkRefused(name, key);
            }
            return attrs;
        }

        /**
         * Opens the directory at the name (the caller checked it is one), relative to the parent's handle; INVALID
         * if it has become a link meanwhile.
         */
        SecureDirectoryStream<Path> openDirectory() throws IOException, StoreException {
            try {
                return (SecureDirectoryStream<Path>) parent.newDirectoryStream(leaf, LinkOption.NOFOLLOW_LINKS);
            } catch (FileSystemException e) {
                if (isLinkRefusal(e)) {
                    throw linkRefused(name, key);
                }
                throw e;
            }
        }

        @Override
        public void close() {
            if (parent != null && parent != rootHandle) {
                closeQuietly(parent);
            }
        }
    }

    /** Walks to the parent of {@code name}; refuses a symbolic link on the way (INVALID). */
    Location locate(String name, boolean rootAllowed) throws StoreException, IOException {
        return locate(name, rootAllowed, null);
    }

    /**
     * Walks to the parent of {@code name}, creating (0700) each missing directory on the way and fsyncing the
     * directory it was added to. Refuses a symbolic link (INVALID) or a volume (INVALID) on the way.
     */
    Location locateCreatingParents(String name, Durability durability) throws StoreException, IOException {
        return locate(name, false, durability);
    }

    /** {@code durability} non-null: create the missing parents. */
    private Location locate(String name, boolean rootAllowed, Durability durability) throws StoreException, IOException {
        boolean createParents = durability != null;
        List<String> stored = storedSegments(name, rootAllowed);
        Path key = root.resolve(String.join("/", stored));
        if (stored.isEmpty()) {
            return new Location(name, key, rootHandle, SELF);
        }
        SecureDirectoryStream<Path> current = rootHandle;
        Path reached = root;
        try {
            for (int i = 0; i < stored.size() - 1; i++) {
                Path component = Path.of(stored.get(i));
                reached = reached.resolve(component);
                SecureDirectoryStream<Path> next = openChild(current, component, name, reached);
                if (next == null && createParents) {
                    createDirectory(current, component, name, reached, durability);
                    next = openChild(current, component, name, reached);
                    if (next == null) {
                        throw new StoreException(Status.IO_ERROR, "volume " + name + ": directory " + nameOf(reached)
                                + " vanished right after it was created");
                    }
                }
                if (current != rootHandle) {
                    closeQuietly(current);
                }
                current = next;
                if (current == null) {
                    return new Location(name, key, null, null);
                }
            }
            Location location = new Location(name, key, current, Path.of(stored.get(stored.size() - 1)));
            current = null;
            return location;
        } finally {
            if (current != null && current != rootHandle) {
                closeQuietly(current);
            }
        }
    }

    /**
     * Opens directory {@code component} of {@code dir} without following a link; null if it is missing or a volume
     * (then nothing can be below it). INVALID for a link.
     */
    private SecureDirectoryStream<Path> openChild(SecureDirectoryStream<Path> dir, Path component, String name, Path reached)
            throws IOException, StoreException {
        try {
            return (SecureDirectoryStream<Path>) dir.newDirectoryStream(component, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        } catch (FileSystemException e) { // ELOOP for a link, ENOTDIR for a volume
            if (isLinkRefusal(e)) {
                throw linkRefused(name, reached); // whatever it is by now, it was a link when opened
            }
            BasicFileAttributes attrs = attributesIn(dir, component);
            if (attrs == null) {
                return null; // vanished meanwhile
            }
            if (attrs.isSymbolicLink()) {
                throw linkRefused(name, reached);
            }
            if (!attrs.isDirectory()) {
                return null; // a volume: nothing is below it
            }
            throw e;
        }
    }

    /**
     * Creates directory {@code component} in {@code dir} (0700, whatever the umask) and fsyncs {@code dir}. Under the
     * root by its path; deeper under the root with a temporary name, then renamed into {@code dir} relative to
     * the handles. INVALID if a volume is in the way.
     */
    void createDirectory(SecureDirectoryStream<Path> dir, Path component, String name, Path reached,
                         Durability durability) throws IOException, StoreException {
        BasicFileAttributes existing = attributesIn(dir, component);
        if (existing != null) {
            if (existing.isSymbolicLink()) {
                throw linkRefused(name, reached);
            }
            if (!existing.isDirectory()) {
                throw new StoreException(Status.INVALID, "volume " + name + ": " + nameOf(reached) + " is a volume, not a directory");
            }
            return; // created meanwhile by someone else
        }
        if (dir == rootHandle) {
            try {
                Files.createDirectory(root.resolve(component), PrivateFiles.DIRECTORY);
            } catch (FileAlreadyExistsException raced) {
                createDirectory(dir, component, name, reached, durability); // look again: whatever is there now
                return;
            }
            PrivateFiles.restrict(rootHandle, component, PrivateFiles.DIRECTORY_PERMISSIONS);
        } else {
            Path temporary = Path.of(CREATING_PREFIX + UUID.randomUUID());
            Files.createDirectory(root.resolve(temporary), PrivateFiles.DIRECTORY);
            try {
                PrivateFiles.restrict(rootHandle, temporary, PrivateFiles.DIRECTORY_PERMISSIONS);
                rootHandle.move(temporary, dir, component);
            } catch (IOException | RuntimeException e) {
                try {
                    rootHandle.deleteDirectory(temporary);
                } catch (IOException cleanup) {
                    e.addSuppressed(cleanup);
                }
                throw e;
            }
            durability.fsyncDirectory(rootHandle, root);
        }
        durability.fsyncDirectory(dir, reached.getParent());
    }

    /**
     * Opens the existing volume at {@code location} for reading and writing, relative to its parent's handle and
     * without following a link. NOT_FOUND if nothing is there, INVALID for a directory, a link or a file with
     * more than one link; IO_ERROR if the file was replaced while it was being opened.
     */
    FileChannel openVolume(Location location) throws IOException, StoreException {
        String name = location.name;
        BasicFileAttributes before = location.attributes();
        if (before == null) {
            throw StoreException.notFound(name);
        }
        if (!before.isRegularFile()) {
            throw new StoreException(Status.INVALID, "volume " + name + " is a directory, not a volume");
        }
        FileChannel channel;
        try {
            channel = channel(location.parent.newByteChannel(location.leaf,
                    Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)), name);
        } catch (FileSystemException e) {
            if (isLinkRefusal(e)) {
                throw linkRefused(name, location.key);
            }
            throw e;
        }
        try {
            BasicFileAttributes after = location.attributes();
            // the link count can only be read by path: it counts for the file reached through the handles only
            // if the path leads to the same inode, and that inode is the one there before and after the open
            Object byPathKey;
            int links;
            try {
                var byPath = Files.readAttributes(location.key, "unix:nlink,fileKey", LinkOption.NOFOLLOW_LINKS);
                byPathKey = byPath.get("fileKey");
                links = (Integer) byPath.get("nlink");
            } catch (FileSystemException e) {
                byPathKey = null;
                links = 0;
            }
            if (after == null || before.fileKey() == null || !before.fileKey().equals(after.fileKey())
                    || !before.fileKey().equals(byPathKey)) {
                throw refused(Status.IO_ERROR, "volume " + name + " was replaced, or a directory on its path was,"
                        + " while it was being opened; not opened (retry)");
            }
            if (links > 1) {
                throw refused(Status.INVALID, "volume " + name + " has " + links + " links; the server refuses a file with"
                        + " more than one, since a hard link can lead outside the data directory");
            }
            FileChannel opened = channel;
            channel = null;
            return opened;
        } finally {
            if (channel != null) {
                closeQuietly(channel);
            }
        }
    }

    /**
     * Creates a new empty volume (0600, whatever the umask) at {@code location}, fsyncs it and returns nothing;
     * {@link FileAlreadyExistsException} if something is there.
     */
    void createVolume(Location location, Durability durability) throws IOException {
        Set<OpenOption> options = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        try (FileChannel channel = channel(location.parent.newByteChannel(location.leaf, options, PrivateFiles.FILE),
                location.name)) {
            PrivateFiles.restrict(location.parent, location.leaf, PrivateFiles.FILE_PERMISSIONS);
            durability.fsync(location.key, channel, true);
        }
    }

    private static FileChannel channel(java.nio.channels.SeekableByteChannel channel, String name) throws IOException {
        if (channel instanceof FileChannel fileChannel) {
            return fileChannel;
        }
        channel.close();
        throw new IOException("volume " + name + ": the platform opened a " + channel.getClass().getName()
                + ", not a FileChannel");
    }

    /** Attributes of {@code entry} of {@code dir} without following links, or null if it is not there. */
    static BasicFileAttributes attributesIn(SecureDirectoryStream<Path> dir, Path entry) throws IOException {
        try {
            return dir.getFileAttributeView(entry, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).readAttributes();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    // ---------------------------------------------------------------------------------------------- refusals

    /** ELOOP: what {@code O_NOFOLLOW} answers for a link (Java has no exception of its own for it). */
    static boolean isLinkRefusal(FileSystemException e) {
        return e.getReason() != null && e.getReason().startsWith("Too many levels of symbolic links");
    }

    private StoreException linkRefused(String name, Path reached) {
        return refused(Status.INVALID, "volume " + name + ": " + nameOf(reached)
                + " is a symbolic link; the server does not follow links");
    }

    /** A refusal that may be an attack on the data directory: logged (rate-limited) as well as answered. */
    private StoreException refused(Status status, String message) {
        refusals.warn("refused", "refused: {}", message);
        return new StoreException(status, message);
    }

    /** Removes the temporary directories of creations a crash interrupted (empty; a non-empty one is left alone). */
    private void removeLeftoverCreations() throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root,
                entry -> entry.getFileName().toString().startsWith(CREATING_PREFIX))) {
            for (Path leftover : entries) {
                try {
                    rootHandle.deleteDirectory(leftover.getFileName());
                } catch (IOException e) {
                    log.warn("cannot remove {} left by an interrupted directory creation: {}", leftover, e.toString());
                }
            }
        }
    }

    static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            log.debug("closing {} failed: {}", closeable, e.toString());
        }
    }

    /** Closes the root handle. */
    @Override
    public void close() {
        closeQuietly(rootHandle);
    }

    /** Opens a handle on {@code dir} itself again (a fresh descriptor, so it can be listed). */
    static SecureDirectoryStream<Path> reopen(SecureDirectoryStream<Path> dir) throws IOException {
        return (SecureDirectoryStream<Path>) dir.newDirectoryStream(SELF, LinkOption.NOFOLLOW_LINKS);
    }
}
