package io.calyx.agent.mesos;

/**
 * Mesos' view of its containers could not be read: the agent's operator API did not answer as it should,
 * or its CNI checkpoint directory could not be listed. The message is one line that names the source and
 * the cause; a round that ends in this exception must release nothing.
 */
public final class MesosUnavailableException extends Exception {
  private static final long serialVersionUID = 1L;

  public MesosUnavailableException(String message) {
    super(message);
  }

  public MesosUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
