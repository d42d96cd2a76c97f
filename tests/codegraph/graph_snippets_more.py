"""Snippets for C, C++, C#, Ruby, PHP, Swift, Elixir, Haskell, Lua, Zig and Bash (see graph_snippets)."""

from __future__ import annotations

MORE_LANGS: dict[str, dict] = {
    "c": {
        "files": {
            "c/buffer.h": (
                "typedef struct buffer {\n"
                "    char *data;\n"
                "    int len;\n"
                "} buffer_t;\n"
                "\n"
                "buffer_t *buffer_new(int cap);\n"
            ),
            "c/buffer.c": (
                "#include <stdlib.h>\n"
                '#include "buffer.h"\n'
                "\n"
                "static int round_up(int n) { return n + 1; }\n"
                "\n"
                "buffer_t *buffer_new(int cap) {\n"
                "    buffer_t *b = malloc(sizeof(buffer_t));\n"
                "    b->len = round_up(cap);\n"
                "    return b;\n"
                "}\n"
            ),
        },
        "defs": ["buffer", "round_up", "buffer_new"],
        "refs": [
            ("c/buffer.c", "round_up", "call"),
            ("c/buffer.c", "malloc", "call"),
            ("c/buffer.c", "buffer_t", "type"),
            ("c/buffer.c", "buffer.h", "import"),
            ("c/buffer.c", "stdlib.h", "import"),
        ],
        "links": [("c/buffer.c", "round_up", "c/buffer.c")],
        "imports": [("c/buffer.c", "c/buffer.h")],
    },
    "cpp": {
        "files": {
            "cpp/graph.hpp": (
                "#pragma once\n"
                "namespace net {\n"
                "class Node {};\n"
                "class Graph : public Node {\n"
                " public:\n"
                "  int size() const { return 0; }\n"
                "};\n"
                "Graph make_graph();\n"
                "}\n"
            ),
            "cpp/graph.cpp": (
                '#include "graph.hpp"\n'
                "#include <vector>\n"
                "\n"
                "namespace net {\n"
                "Graph make_graph() { return Graph(); }\n"
                "\n"
                "int count_nodes(const Graph& g) {\n"
                "  std::vector<int> v;\n"
                "  return g.size() + net::make_graph().size();\n"
                "}\n"
                "}\n"
            ),
        },
        "defs": ["Node", "Graph", "size", "make_graph", "count_nodes"],
        "refs": [
            ("cpp/graph.hpp", "Node", "inherit"),
            ("cpp/graph.cpp", "Graph", "type"),
            ("cpp/graph.cpp", "make_graph", "call"),
            ("cpp/graph.cpp", "size", "call"),
            ("cpp/graph.cpp", "graph.hpp", "import"),
        ],
        "links": [("cpp/graph.cpp", "Graph", "cpp/graph.hpp"), ("cpp/graph.cpp", "size", "cpp/graph.hpp")],
        "imports": [("cpp/graph.cpp", "cpp/graph.hpp")],
    },
    "csharp": {
        "files": {
            "cs/Ledger.cs": (
                "namespace Books\n"
                "{\n"
                "    public interface IAudited { void Audit(); }\n"
                "\n"
                "    public class Ledger : IAudited\n"
                "    {\n"
                "        public void Audit() { }\n"
                "        public static Ledger OpenLedger() { return new Ledger(); }\n"
                "    }\n"
                "}\n"
            ),
            "cs/Clerk.cs": (
                "using Books;\n"
                "\n"
                "namespace Office\n"
                "{\n"
                "    public class Clerk\n"
                "    {\n"
                "        public void Close(Ledger l)\n"
                "        {\n"
                "            var m = Ledger.OpenLedger();\n"
                "            m.Audit();\n"
                "        }\n"
                "    }\n"
                "}\n"
            ),
        },
        "defs": ["IAudited", "Ledger", "Audit", "OpenLedger", "Clerk", "Close"],
        "refs": [
            ("cs/Ledger.cs", "IAudited", "inherit"),
            ("cs/Clerk.cs", "Ledger", "type"),
            ("cs/Clerk.cs", "OpenLedger", "call"),
            ("cs/Clerk.cs", "Audit", "call"),
            ("cs/Clerk.cs", "Books", "import"),
        ],
        "links": [("cs/Clerk.cs", "OpenLedger", "cs/Ledger.cs")],
        "imports": [],
    },
    "ruby": {
        "files": {
            "rb/parser.rb": (
                "module Text\n"
                "  class Parser < BaseParser\n"
                "    def parse_all(lines)\n"
                "      lines.map { |l| tokenize(l) }\n"
                "    end\n"
                "\n"
                "    def tokenize(line)\n"
                "      line.split\n"
                "    end\n"
                "  end\n"
                "end\n"
            ),
            "rb/cli.rb": (
                "require_relative 'parser'\n"
                "require 'json'\n"
                "\n"
                "def run_cli(input)\n"
                "  p = Text::Parser.new\n"
                "  p.parse_all(input)\n"
                "end\n"
            ),
        },
        "defs": ["Text", "Parser", "parse_all", "tokenize", "run_cli"],
        "refs": [
            ("rb/parser.rb", "BaseParser", "inherit"),
            ("rb/parser.rb", "tokenize", "call"),
            ("rb/cli.rb", "parse_all", "call"),
            ("rb/cli.rb", "Parser", "type"),
            ("rb/cli.rb", "parser", "import"),
            ("rb/cli.rb", "json", "import"),
        ],
        "links": [("rb/cli.rb", "parse_all", "rb/parser.rb"), ("rb/parser.rb", "tokenize", "rb/parser.rb")],
        "imports": [("rb/cli.rb", "rb/parser.rb")],
    },
    "php": {
        "files": {
            "php/Mailer.php": (
                "<?php\n"
                "namespace Mail;\n"
                "\n"
                "class Mailer extends Transport implements Sender\n"
                "{\n"
                "    public function sendMail(string $to): bool\n"
                "    {\n"
                "        return $this->deliver($to);\n"
                "    }\n"
                "}\n"
                "\n"
                "function mailer_factory(): Mailer { return new Mailer(); }\n"
            ),
            "php/Notify.php": (
                "<?php\n"
                "use Mail\\Mailer;\n"
                "require_once 'Mailer.php';\n"
                "\n"
                "function notify_user(Mailer $m)\n"
                "{\n"
                "    $x = mailer_factory();\n"
                "    return $m->sendMail('a@b.c');\n"
                "}\n"
            ),
        },
        "defs": ["Mailer", "sendMail", "mailer_factory", "notify_user"],
        "refs": [
            ("php/Mailer.php", "Transport", "inherit"),
            ("php/Mailer.php", "Sender", "inherit"),
            ("php/Mailer.php", "deliver", "call"),
            ("php/Notify.php", "sendMail", "call"),
            ("php/Notify.php", "mailer_factory", "call"),
            ("php/Notify.php", "Mailer", "type"),
            ("php/Notify.php", "Mail\\Mailer", "import"),
            ("php/Notify.php", "Mailer.php", "import"),
        ],
        "links": [
            ("php/Notify.php", "sendMail", "php/Mailer.php"),
            ("php/Notify.php", "mailer_factory", "php/Mailer.php"),
        ],
        "imports": [("php/Notify.php", "php/Mailer.php")],
    },
    "swift": {
        "files": {
            "swift/Sensor.swift": (
                "protocol Readable {\n"
                "    func read() -> Int\n"
                "}\n"
                "\n"
                "class Sensor: Readable {\n"
                "    func read() -> Int { return 1 }\n"
                "}\n"
                "\n"
                "func readSensor(_ s: Sensor) -> Int {\n"
                "    return s.read()\n"
                "}\n"
            ),
            "swift/Station.swift": (
                "import Foundation\n"
                "\n"
                "class Station {\n"
                "    func poll() -> Int {\n"
                "        let s = Sensor()\n"
                "        return readSensor(s)\n"
                "    }\n"
                "}\n"
            ),
        },
        "defs": ["Readable", "Sensor", "read", "readSensor", "Station", "poll"],
        "refs": [
            ("swift/Sensor.swift", "Readable", "inherit"),
            ("swift/Sensor.swift", "Sensor", "type"),
            ("swift/Sensor.swift", "read", "call"),
            ("swift/Station.swift", "readSensor", "call"),
            ("swift/Station.swift", "Sensor", "call"),
            ("swift/Station.swift", "Foundation", "import"),
        ],
        "links": [("swift/Station.swift", "readSensor", "swift/Sensor.swift")],
        "imports": [],
    },
    "elixir": {
        "files": {
            "ex/cart.ex": (
                "defmodule Shop.Cart do\n"
                "  def add_item(cart, item) do\n"
                "    [item | cart]\n"
                "  end\n"
                "\n"
                "  def total(cart), do: Enum.count(cart)\n"
                "end\n"
            ),
            "ex/checkout.ex": (
                "defmodule Shop.Checkout do\n"
                "  alias Shop.Cart\n"
                "  import Enum\n"
                "\n"
                "  def pay(cart) do\n"
                "    c = Cart.add_item(cart, :fee)\n"
                "    summarize(c)\n"
                "  end\n"
                "\n"
                "  defp summarize(c), do: Cart.total(c)\n"
                "end\n"
            ),
        },
        "defs": ["Shop.Cart", "add_item", "total", "Shop.Checkout", "pay", "summarize"],
        "refs": [
            ("ex/checkout.ex", "add_item", "call"),
            ("ex/checkout.ex", "summarize", "call"),
            ("ex/checkout.ex", "total", "call"),
            ("ex/checkout.ex", "Shop.Cart", "import"),
            ("ex/checkout.ex", "Enum", "import"),
        ],
        "links": [
            ("ex/checkout.ex", "add_item", "ex/cart.ex"),
            ("ex/checkout.ex", "summarize", "ex/checkout.ex"),
        ],
        "imports": [("ex/checkout.ex", "ex/cart.ex")],
    },
    "haskell": {
        "files": {
            "hs/Tree.hs": (
                "module Tree where\n"
                "\n"
                "data Tree = Leaf | Node Tree Int Tree\n"
                "\n"
                "insertTree :: Int -> Tree -> Tree\n"
                "insertTree x Leaf = Node Leaf x Leaf\n"
                "insertTree x t = t\n"
            ),
            "hs/Main.hs": (
                "module Main where\n"
                "\n"
                "import Tree\n"
                "import qualified Data.Map as M\n"
                "\n"
                "build :: [Int] -> Tree\n"
                "build xs = foldr insertTree Leaf xs\n"
                "\n"
                "main :: IO ()\n"
                "main = print (size (build [1, 2]))\n"
            ),
        },
        "defs": ["Tree", "insertTree", "build", "main"],
        "refs": [
            ("hs/Main.hs", "insertTree", "call"),
            ("hs/Main.hs", "build", "call"),
            ("hs/Main.hs", "Tree", "type"),
            ("hs/Main.hs", "Tree", "import"),
            ("hs/Main.hs", "Data.Map", "import"),
        ],
        "links": [("hs/Main.hs", "insertTree", "hs/Tree.hs"), ("hs/Main.hs", "Tree", "hs/Tree.hs")],
        "imports": [("hs/Main.hs", "hs/Tree.hs")],
    },
    "lua": {
        "files": {
            "lua/queue.lua": (
                "local M = {}\n"
                "\n"
                "function M.queue_push(q, v)\n"
                "  q[#q + 1] = v\n"
                "end\n"
                "\n"
                "function queue_size(q)\n"
                "  return #q\n"
                "end\n"
                "\n"
                "return M\n"
            ),
            "lua/worker.lua": (
                "local queue = require('queue')\n"
                "\n"
                "local function drain(q)\n"
                "  queue.queue_push(q, 1)\n"
                "  return queue_size(q)\n"
                "end\n"
            ),
        },
        "defs": ["queue_push", "queue_size", "drain"],
        "refs": [
            ("lua/worker.lua", "queue_push", "call"),
            ("lua/worker.lua", "queue_size", "call"),
            ("lua/worker.lua", "queue", "import"),
        ],
        "links": [
            ("lua/worker.lua", "queue_size", "lua/queue.lua"),
            ("lua/worker.lua", "queue_push", "lua/queue.lua"),
        ],
        "imports": [("lua/worker.lua", "lua/queue.lua")],
    },
    "zig": {
        "files": {
            "zig/point.zig": (
                "pub const Point = struct {\n"
                "    x: i32,\n"
                "    pub fn norm(self: Point) i32 {\n"
                "        return self.x;\n"
                "    }\n"
                "};\n"
                "\n"
                "pub fn makePoint(x: i32) Point {\n"
                "    return Point{ .x = x };\n"
                "}\n"
            ),
            "zig/main.zig": (
                'const std = @import("std");\n'
                'const point = @import("point.zig");\n'
                "\n"
                "pub fn main() void {\n"
                "    const p = point.makePoint(2);\n"
                "    _ = p.norm();\n"
                "}\n"
            ),
        },
        "defs": ["Point", "norm", "makePoint", "main"],
        "refs": [
            ("zig/main.zig", "makePoint", "call"),
            ("zig/main.zig", "norm", "call"),
            ("zig/main.zig", "point.zig", "import"),
            ("zig/point.zig", "Point", "type"),
        ],
        "links": [("zig/main.zig", "makePoint", "zig/point.zig")],
        "imports": [("zig/main.zig", "zig/point.zig")],
    },
    "bash": {
        "files": {
            "sh/lib.sh": ('log_info() {\n  echo "[info] $*"\n}\n'),
            "sh/backup.sh": (
                "#!/bin/bash\n"
                "source ./lib.sh\n"
                "\n"
                "backup_files() {\n"
                '  log_info "backing up"\n'
                '  tar czf out.tgz "$1"\n'
                "}\n"
                "\n"
                "backup_files /tmp\n"
            ),
        },
        "defs": ["log_info", "backup_files"],
        "refs": [
            ("sh/backup.sh", "log_info", "call"),
            ("sh/backup.sh", "backup_files", "call"),
            ("sh/backup.sh", "./lib.sh", "import"),
        ],
        "links": [("sh/backup.sh", "log_info", "sh/lib.sh")],
        "imports": [("sh/backup.sh", "sh/lib.sh")],
    },
}
