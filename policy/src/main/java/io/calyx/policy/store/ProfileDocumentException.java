package io.calyx.policy.store;

/**
 * A profile document calyx cannot read: not JSON, an unknown schema, a missing or invalid field. The message
 * names the key or profile and the JSON path of the problem (e.g. {@code ingress[2].ports[0]}).
 */
public final class ProfileDocumentException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public ProfileDocumentException(String where, String problem) {
    super("profile " + where + " is invalid: " + problem);
  }
}
