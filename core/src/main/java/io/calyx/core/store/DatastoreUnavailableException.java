package io.calyx.core.store;

/**
 * The datastore could not be reached or did not answer before the deadline. For a transaction this is
 * ambiguous: it may or may not have been applied, so callers re-read before deciding anything. At the CNI
 * edge it becomes code 11 (try again later).
 */
public final class DatastoreUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DatastoreUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }

  public DatastoreUnavailableException(String message) {
    super(message);
  }
}
