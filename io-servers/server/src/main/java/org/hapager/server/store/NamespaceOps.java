package org.hapager.server.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.hapager.wire.Op;
import org.hapager.wire.Outcome;
import org.hapager.wire.Status;
import org.hapager.wire.WireLimits;

/**
 * The namespace operations: create, delete, rename, list, stat and mkdirs. Each is durable before it
 * returns (the changed directories are fsynced). Every file and directory is reached through the directory
 * handles of {@link VolumePaths}, never through a link. Runs on the I/O threads; the operations that change the
 * namespace (create, delete, rename, mkdirs) run one at a time (they are rare), so that one never removes or
 * replaces a directory another is creating an entry in through its handle.
 */
final class NamespaceOps {

    /** Bytes of a LIST completion around its entries: type, request id, op, status, entry count. */
    private static final int LISTING_HEADER_BYTES = 1 + 8 + 1 + 1 + 4;
    /** Bytes of one entry besides its name: name length, directory flag, length. */
    private static final int ENTRY_FIXED_BYTES = 2 + 1 + 8;

    private final VolumePaths paths;
    private final OpenFiles openFiles;
    private final WireLimits limits;
    private final Durability durability;
    private final SizeGuard sizes;

    NamespaceOps(VolumePaths paths, OpenFiles openFiles, WireLimits limits, Durability durability, SizeGuard sizes) {
        this.sizes = sizes;
        this.paths = paths;
        this.durability = durability;
        this.openFiles = openFiles;
        this.limits = limits;
    }

    synchronized Outcome create(Op.Create op) throws StoreException {
        String volume = op.volume();
        try (VolumePaths.Location location = paths.locateCreatingParents(volume, durability)) {
            BasicFileAttributes attrs = location.attributes();
            if (attrs != null) {
                return existing(volume, attrs, op.exclusive());
            }
            try {
                paths.createVolume(location, durability);
            } catch (FileAlreadyExistsException raced) {
                return existing(volume, location.attributes(), op.exclusive());
            }
            durability.fsyncDirectory(location.parent, location.key.getParent());
            return Outcome.Done.INSTANCE;
        } catch (IOException e) {
            throw StoreException.io("create volume " + volume, e);
        }
    }

    private static Outcome existing(String volume, BasicFileAttributes attrs, boolean exclusive) throws StoreException {
        if (exclusive) {
            throw new StoreException(Status.ALREADY_EXISTS, "volume " + volume + " already exists");
        }
        if (attrs != null && !attrs.isRegularFile()) {
            throw new StoreException(Status.INVALID, "volume " + volume + " is a directory, not a volume");
        }
        return Outcome.Done.INSTANCE;
    }

    synchronized Outcome delete(Op.Delete op) throws StoreException {
        String volume = op.volume();
        try (VolumePaths.Location location = paths.locate(volume, false)) {
            BasicFileAttributes attrs = location.attributes();
            if (attrs == null) {
                throw StoreException.notFound(volume);
            }
            if (attrs.isDirectory()) {
                location.parent.deleteDirectory(location.leaf);
            } else {
                location.parent.deleteFile(location.leaf);
                sizes.adjust(-attrs.size());
            }
            openFiles.forget(location.key);
            durability.fsyncDirectory(location.parent, location.key.getParent());
            return Outcome.Done.INSTANCE;
        } catch (NoSuchFileException e) {
            throw StoreException.notFound(volume);
        } catch (DirectoryNotEmptyException e) {
            throw new StoreException(Status.NOT_EMPTY, "directory " + volume + " is not empty");
        } catch (IOException e) {
            throw StoreException.io("delete volume " + volume, e);
        }
    }

    synchronized Outcome rename(Op.Rename op) throws StoreException {
        String volume = op.volume();
        String what = "rename volume " + volume + " to " + op.target();
        Path sourceKey = paths.key(volume, false);
        Path targetKey = paths.key(op.target(), false);
        try (VolumePaths.Location source = paths.locate(volume, false)) {
            BasicFileAttributes sourceAttrs = source.attributes();
            if (sourceAttrs == null) {
                throw StoreException.notFound(volume);
            }
            if (targetKey.equals(sourceKey)) {
                return Outcome.Done.INSTANCE;
            }
            if (targetKey.startsWith(sourceKey)) {
                throw new StoreException(Status.INVALID, what + ": the target lies inside the source");
            }
            // Check, then move: rename(2) always replaces, so "no replace" is not atomic against a concurrent
            // create of the target. Only the reservation holder writes a volume group, and it runs the
            // namespace operations one at a time.
            BasicFileAttributes targetAttrs;
            try (VolumePaths.Location target = paths.locate(op.target(), false)) {
                targetAttrs = target.attributes();
            }
            if (targetAttrs != null) {
                if (!op.replace()) {
                    throw new StoreException(Status.ALREADY_EXISTS, what + ": volume " + op.target() + " already exists");
                }
                if (!targetAttrs.isRegularFile() || !sourceAttrs.isRegularFile()) {
                    throw new StoreException(Status.INVALID, what + ": only a volume can replace a volume");
                }
            }
            try (VolumePaths.Location target = paths.locateCreatingParents(op.target(), durability)) {
                source.parent.move(source.leaf, target.parent, target.leaf);
                if (targetAttrs != null) {
                    sizes.adjust(-targetAttrs.size()); // the replaced volume is gone
                }
                openFiles.forget(sourceKey);
                openFiles.forget(targetKey);
                durability.fsyncDirectory(target.parent, targetKey.getParent());
                if (!targetKey.getParent().equals(sourceKey.getParent())) {
                    durability.fsyncDirectory(source.parent, sourceKey.getParent());
                }
            }
            return Outcome.Done.INSTANCE;
        } catch (NoSuchFileException e) {
            throw StoreException.notFound(volume);
        } catch (IOException e) {
            throw StoreException.io(what, e);
        }
    }

    Outcome list(Op.List op) throws StoreException {
        String name = op.volume();
        String shown = name.isEmpty() ? "/" : name;
        try (VolumePaths.Location location = paths.locate(name, true)) {
            BasicFileAttributes attrs = location.isRoot() ? null : location.attributes();
            if (!location.isRoot()) {
                if (attrs == null) {
                    throw new StoreException(Status.NOT_FOUND, "directory " + shown + " does not exist");
                }
                if (!attrs.isDirectory()) {
                    throw new StoreException(Status.INVALID, shown + " is a volume, not a directory");
                }
            }
            List<Outcome.Entry> entries = new ArrayList<>();
            long frameBytes = LISTING_HEADER_BYTES;
            try (SecureDirectoryStream<Path> dir = location.isRoot() ? VolumePaths.reopen(location.parent)
                    : location.openDirectory()) {
                for (Path child : dir) {
                    Path stored = child.getFileName();
                    String entryName = VolumePaths.segmentOf(stored.toString());
                    if (entryName == null) {
                        continue; // not the stored form of a name a client could address
                    }
                    BasicFileAttributes a = VolumePaths.attributesIn(dir, stored);
                    // links, sockets and the like are not volumes: leave them out
                    if (a == null || a.isSymbolicLink() || a.isOther()) {
                        continue;
                    }
                    entries.add(new Outcome.Entry(entryName, a.isDirectory(), a.isDirectory() ? 0 : a.size()));
                    frameBytes += ENTRY_FIXED_BYTES + entryName.getBytes(StandardCharsets.UTF_8).length;
                }
            }
            if (frameBytes > limits.maxFrameBytes()) {
                throw new StoreException(Status.INVALID, "directory " + shown + " has " + entries.size()
                        + " entries: too many to list in one frame");
            }
            entries.sort(Comparator.comparing(Outcome.Entry::name));
            return new Outcome.Listing(List.copyOf(entries));
        } catch (NoSuchFileException e) {
            throw new StoreException(Status.NOT_FOUND, "directory " + shown + " does not exist");
        } catch (IOException e) {
            throw StoreException.io("list directory " + shown, e);
        }
    }

    Outcome stat(Op.Stat op) throws StoreException {
        try (VolumePaths.Location location = paths.locate(op.volume(), false)) {
            BasicFileAttributes attrs = location.attributes();
            if (attrs == null) {
                return new Outcome.Stat(false, false, 0);
            }
            return new Outcome.Stat(true, attrs.isDirectory(), attrs.isDirectory() ? 0 : attrs.size());
        } catch (IOException e) {
            throw StoreException.io("stat volume " + op.volume(), e);
        }
    }

    synchronized Outcome mkdirs(Op.Mkdirs op) throws StoreException {
        String name = op.volume();
        try (VolumePaths.Location location = paths.locateCreatingParents(name, durability)) {
            BasicFileAttributes attrs = location.attributes();
            if (attrs != null) {
                if (attrs.isDirectory()) {
                    return Outcome.Done.INSTANCE;
                }
                throw new StoreException(Status.ALREADY_EXISTS, name + " already exists as a volume");
            }
            paths.createDirectory(location.parent, location.leaf, name, location.key, durability);
            return Outcome.Done.INSTANCE;
        } catch (IOException e) {
            throw StoreException.io("mkdirs " + name, e);
        }
    }
}
