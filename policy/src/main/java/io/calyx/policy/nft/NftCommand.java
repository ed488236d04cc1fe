package io.calyx.policy.nft;

import io.calyx.core.net.IpAddress;
import io.calyx.core.net.IpFamily;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * One command of an nft batch on the table {@code inet calyx}. Commands are data so that the in-memory
 * applier can check them with nft's own rules (a delete of something absent fails the whole batch) without
 * parsing text; {@link #text()} is exactly what libnftables receives.
 */
public sealed interface NftCommand {
  String TABLE = "inet calyx";

  /** The command as one line of nft syntax. */
  String text();

  /** {@code add table}: a no-op when it exists (used before {@link DeleteTable} to make it unconditional). */
  record AddTable() implements NftCommand {
    @Override
    public String text() {
      return "add table " + TABLE;
    }
  }

  /** {@code delete table}: the table and everything in it. */
  record DeleteTable() implements NftCommand {
    @Override
    public String text() {
      return "delete table " + TABLE;
    }
  }

  /** A named set of addresses of one family. */
  record AddSet(String name, IpFamily family) implements NftCommand {
    @Override
    public String text() {
      return "add set " + TABLE + " " + name + " { type " + (family == IpFamily.V4 ? "ipv4_addr" : "ipv6_addr") + "; }";
    }
  }

  /** A verdict map keyed by interface name. */
  record AddVerdictMap(String name) implements NftCommand {
    @Override
    public String text() {
      return "add map " + TABLE + " " + name + " { type ifname : verdict; }";
    }
  }

  record DeleteSet(String name) implements NftCommand {
    @Override
    public String text() {
      return "delete set " + TABLE + " " + name;
    }
  }

  /** A chain; with a hook it is a base chain ({@code type filter}, {@code policy accept}). */
  record AddChain(String name, Optional<Hook> hook) implements NftCommand {
    @Override
    public String text() {
      return "add chain " + TABLE + " " + name
          + hook.map(h -> " { type filter hook " + h.hook() + " priority " + h.priority() + "; policy accept; }").orElse("");
    }
  }

  record FlushChain(String name) implements NftCommand {
    @Override
    public String text() {
      return "flush chain " + TABLE + " " + name;
    }
  }

  record DeleteChain(String name) implements NftCommand {
    @Override
    public String text() {
      return "delete chain " + TABLE + " " + name;
    }
  }

  /** Appends a rule; {@code body} is rendered by calyx from validated values only. */
  record AddRule(String chain, String body) implements NftCommand {
    @Override
    public String text() {
      return "add rule " + TABLE + " " + chain + " " + body;
    }
  }

  record AddElements(String set, List<IpAddress> elements) implements NftCommand {
    public AddElements {
      elements = List.copyOf(elements);
    }

    @Override
    public String text() {
      return "add element " + TABLE + " " + set + " " + list(elements);
    }
  }

  /** Fails (and with it the batch) when an element is absent: render only elements known to be there. */
  record DeleteElements(String set, List<IpAddress> elements) implements NftCommand {
    public DeleteElements {
      elements = List.copyOf(elements);
    }

    @Override
    public String text() {
      return "delete element " + TABLE + " " + set + " " + list(elements);
    }
  }

  /** Maps an interface to {@code goto <chain>}. */
  record AddMapElement(String map, String ifname, String chain) implements NftCommand {
    @Override
    public String text() {
      return "add element " + TABLE + " " + map + " { \"" + ifname + "\" : goto " + chain + " }";
    }
  }

  record DeleteMapElement(String map, String ifname) implements NftCommand {
    @Override
    public String text() {
      return "delete element " + TABLE + " " + map + " { \"" + ifname + "\" }";
    }
  }

  /** A base chain's hook: {@code forward} or {@code input}, and its priority (lower runs first). */
  record Hook(String hook, int priority) {}

  private static String list(List<IpAddress> elements) {
    return elements.stream().map(IpAddress::toString).collect(Collectors.joining(", ", "{ ", " }"));
  }
}
