package io.calyx.ipam;

/** A stored document that calyx cannot read (wrong schema, missing fields, inconsistent content). */
public final class CorruptDocumentException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public CorruptDocumentException(String key, String problem) {
    super("datastore document " + key + " is unreadable: " + problem);
  }
}
