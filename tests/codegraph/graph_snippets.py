"""Per-language snippets with planted definitions, references and imports.

Each language has a library file and a file that uses it. ``refs`` lists
``(path, name, kind)`` that must be found; ``links`` lists
``(from path, name, to path)`` references that must resolve to the definition
of ``name`` in ``to path``.
"""

from __future__ import annotations

from graph_snippets_more import MORE_LANGS

LANGS: dict[str, dict] = {
    "python": {
        "files": {
            "py/zoo/animals.py": (
                "class Animal:\n"
                "    def speak(self):\n"
                "        return self.noise()\n"
                "\n"
                "    def noise(self):\n"
                "        return '...'\n"
                "\n"
                "\n"
                "def make_animal(kind):\n"
                "    return Animal()\n"
            ),
            "py/zoo/keeper.py": (
                "from zoo.animals import Animal, make_animal\n"
                "import zoo.animals as zoo_animals\n"
                "\n"
                "\n"
                "class Dog(Animal):\n"
                "    def noise(self) -> Animal:\n"
                "        return 'woof'\n"
                "\n"
                "\n"
                "def feed_all(n: int) -> list[Animal]:\n"
                "    pets = [make_animal('cat') for _ in range(n)]\n"
                "    zoo_animals.make_animal('dog')\n"
                "    return pets\n"
            ),
        },
        "defs": ["Animal", "speak", "noise", "make_animal", "Dog", "feed_all"],
        "refs": [
            ("py/zoo/keeper.py", "Animal", "inherit"),
            ("py/zoo/keeper.py", "make_animal", "call"),
            ("py/zoo/keeper.py", "Animal", "type"),
            ("py/zoo/keeper.py", "zoo.animals", "import"),
            ("py/zoo/animals.py", "noise", "call"),
            ("py/zoo/animals.py", "Animal", "call"),
        ],
        "links": [
            ("py/zoo/keeper.py", "make_animal", "py/zoo/animals.py"),
            ("py/zoo/keeper.py", "Animal", "py/zoo/animals.py"),
        ],
        "imports": [("py/zoo/keeper.py", "py/zoo/animals.py")],
    },
    "javascript": {
        "files": {
            "js/vehicle.js": (
                "export class Vehicle {\n"
                "  drive() { return this.honk(); }\n"
                "  honk() { return 'beep'; }\n"
                "}\n"
                "\n"
                "export function makeVehicle() {\n"
                "  return new Vehicle();\n"
                "}\n"
            ),
            "js/garage.js": (
                "import { Vehicle, makeVehicle } from './vehicle.js';\n"
                "const util = require('./util');\n"
                "\n"
                "class Truck extends Vehicle {\n"
                "  load() { return makeVehicle(); }\n"
                "}\n"
                "\n"
                "function fleet() {\n"
                "  return [makeVehicle(), new Truck()];\n"
                "}\n"
            ),
        },
        "defs": ["Vehicle", "drive", "honk", "makeVehicle", "Truck", "load", "fleet"],
        "refs": [
            ("js/garage.js", "Vehicle", "inherit"),
            ("js/garage.js", "makeVehicle", "call"),
            ("js/garage.js", "Truck", "call"),
            ("js/garage.js", "./vehicle.js", "import"),
            ("js/garage.js", "./util", "import"),
            ("js/vehicle.js", "honk", "call"),
        ],
        "links": [
            ("js/garage.js", "makeVehicle", "js/vehicle.js"),
            ("js/garage.js", "Vehicle", "js/vehicle.js"),
        ],
        "imports": [("js/garage.js", "js/vehicle.js")],
    },
    "typescript": {
        "files": {
            "ts/account.ts": (
                "export interface Ledgerish { total(): number; }\n"
                "\n"
                "export class Account implements Ledgerish {\n"
                "  total(): number { return 0; }\n"
                "}\n"
                "\n"
                "export function openAccount(): Account {\n"
                "  return new Account();\n"
                "}\n"
            ),
            "ts/bank.ts": (
                "import { Account, openAccount } from './account';\n"
                "\n"
                "export class Savings extends Account {\n"
                "  rate: number = 1;\n"
                "}\n"
                "\n"
                "export function audit(a: Account): number {\n"
                "  const b = openAccount();\n"
                "  return b.total();\n"
                "}\n"
            ),
        },
        "defs": ["Ledgerish", "Account", "total", "openAccount", "Savings", "audit"],
        "refs": [
            ("ts/account.ts", "Ledgerish", "inherit"),
            ("ts/bank.ts", "Account", "inherit"),
            ("ts/bank.ts", "Account", "type"),
            ("ts/bank.ts", "openAccount", "call"),
            ("ts/bank.ts", "total", "call"),
            ("ts/bank.ts", "./account", "import"),
        ],
        "links": [("ts/bank.ts", "openAccount", "ts/account.ts"), ("ts/bank.ts", "Account", "ts/account.ts")],
        "imports": [("ts/bank.ts", "ts/account.ts")],
    },
    "tsx": {
        "files": {
            "tsx/Button.tsx": (
                "export interface ButtonProps { label: string; }\n"
                "\n"
                "export function Button(props: ButtonProps) {\n"
                "  return <button>{props.label}</button>;\n"
                "}\n"
            ),
            "tsx/Toolbar.tsx": (
                "import { Button, ButtonProps } from './Button';\n"
                "\n"
                "export function Toolbar(p: ButtonProps) {\n"
                "  const x = formatLabel(p.label);\n"
                "  return <div><Button label={x} /></div>;\n"
                "}\n"
                "\n"
                "function formatLabel(s: string): string { return s.trim(); }\n"
            ),
        },
        "defs": ["ButtonProps", "Button", "Toolbar", "formatLabel"],
        "refs": [
            ("tsx/Toolbar.tsx", "Button", "call"),
            ("tsx/Toolbar.tsx", "ButtonProps", "type"),
            ("tsx/Toolbar.tsx", "formatLabel", "call"),
            ("tsx/Toolbar.tsx", "./Button", "import"),
        ],
        "links": [
            ("tsx/Toolbar.tsx", "Button", "tsx/Button.tsx"),
            ("tsx/Toolbar.tsx", "formatLabel", "tsx/Toolbar.tsx"),
        ],
        "imports": [("tsx/Toolbar.tsx", "tsx/Button.tsx")],
    },
    "go": {
        "files": {
            "go/store/store.go": (
                "package store\n"
                "\n"
                "type Store struct {\n"
                "\titems map[string]int\n"
                "}\n"
                "\n"
                "func NewStore() *Store {\n"
                "\treturn &Store{items: map[string]int{}}\n"
                "}\n"
                "\n"
                "func (s *Store) Put(k string, v int) {\n"
                "\ts.items[k] = v\n"
                "}\n"
            ),
            "go/cmd/main.go": (
                "package main\n"
                "\n"
                "import (\n"
                '\t"fmt"\n'
                '\t"example.com/app/store"\n'
                ")\n"
                "\n"
                "type Cache interface {\n"
                "\tPut(k string, v int)\n"
                "}\n"
                "\n"
                "func fill(c *store.Store) {\n"
                '\tc.Put("a", 1)\n'
                "}\n"
                "\n"
                "func main() {\n"
                "\ts := store.NewStore()\n"
                "\tfill(s)\n"
                "\tfmt.Println(s)\n"
                "}\n"
            ),
        },
        "defs": ["Store", "NewStore", "Put", "Cache", "fill", "main"],
        "refs": [
            ("go/cmd/main.go", "NewStore", "call"),
            ("go/cmd/main.go", "Put", "call"),
            ("go/cmd/main.go", "fill", "call"),
            ("go/cmd/main.go", "Store", "type"),
            ("go/cmd/main.go", "example.com/app/store", "import"),
            ("go/store/store.go", "Store", "type"),
        ],
        "links": [
            ("go/cmd/main.go", "NewStore", "go/store/store.go"),
            ("go/cmd/main.go", "Store", "go/store/store.go"),
        ],
        "imports": [("go/cmd/main.go", "go/store/store.go")],
    },
    "rust": {
        "files": {
            "rust/src/engine.rs": (
                "pub trait Motor {\n"
                "    fn rev(&self) -> u32;\n"
                "}\n"
                "\n"
                "pub struct Engine {\n"
                "    pub power: u32,\n"
                "}\n"
                "\n"
                "impl Motor for Engine {\n"
                "    fn rev(&self) -> u32 { self.power }\n"
                "}\n"
                "\n"
                "pub fn start_engine() -> Engine {\n"
                "    Engine { power: 3 }\n"
                "}\n"
            ),
            "rust/src/main.rs": (
                "mod engine;\n"
                "use crate::engine::{start_engine, Engine, Motor};\n"
                "\n"
                "fn drive(e: &Engine) -> u32 {\n"
                "    e.rev()\n"
                "}\n"
                "\n"
                "fn main() {\n"
                "    let e = start_engine();\n"
                '    println!("{}", drive(&e));\n'
                "}\n"
            ),
        },
        "defs": ["Motor", "Engine", "start_engine", "drive", "main", "rev"],
        "refs": [
            ("rust/src/engine.rs", "Motor", "inherit"),
            ("rust/src/main.rs", "start_engine", "call"),
            ("rust/src/main.rs", "drive", "call"),
            ("rust/src/main.rs", "rev", "call"),
            ("rust/src/main.rs", "Engine", "type"),
            ("rust/src/main.rs", "crate::engine", "import"),
        ],
        "links": [
            ("rust/src/main.rs", "start_engine", "rust/src/engine.rs"),
            ("rust/src/main.rs", "Engine", "rust/src/engine.rs"),
        ],
        "imports": [("rust/src/main.rs", "rust/src/engine.rs")],
    },
    "java": {
        "files": {
            "java/src/billing/Invoice.java": (
                "package billing;\n"
                "\n"
                "public class Invoice implements Payable {\n"
                "    public int amount() { return 3; }\n"
                "    public static Invoice blank() { return new Invoice(); }\n"
                "}\n"
            ),
            "java/src/billing/Payable.java": (
                "package billing;\n\npublic interface Payable {\n    int amount();\n}\n"
            ),
            "java/src/app/Cashier.java": (
                "package app;\n"
                "\n"
                "import billing.Invoice;\n"
                "\n"
                "public class Cashier extends Worker {\n"
                "    public int charge(Invoice inv) {\n"
                "        Invoice fresh = Invoice.blank();\n"
                "        return inv.amount() + fresh.amount();\n"
                "    }\n"
                "}\n"
            ),
        },
        "defs": ["Invoice", "amount", "blank", "Payable", "Cashier", "charge"],
        "refs": [
            ("java/src/billing/Invoice.java", "Payable", "inherit"),
            ("java/src/app/Cashier.java", "Worker", "inherit"),
            ("java/src/app/Cashier.java", "Invoice", "type"),
            ("java/src/app/Cashier.java", "blank", "call"),
            ("java/src/app/Cashier.java", "amount", "call"),
            ("java/src/app/Cashier.java", "billing.Invoice", "import"),
        ],
        "links": [
            ("java/src/app/Cashier.java", "blank", "java/src/billing/Invoice.java"),
            ("java/src/billing/Invoice.java", "Payable", "java/src/billing/Payable.java"),
        ],
        "imports": [("java/src/app/Cashier.java", "java/src/billing/Invoice.java")],
    },
    "kotlin": {
        "files": {
            "kotlin/Planet.kt": (
                "package space\n"
                "\n"
                "open class Planet(val mass: Int) {\n"
                "    fun weight(): Int = mass * 2\n"
                "}\n"
                "\n"
                "fun createPlanet(): Planet = Planet(5)\n"
            ),
            "kotlin/Orbit.kt": (
                "package space.orbit\n"
                "\n"
                "import space.Planet\n"
                "import space.createPlanet\n"
                "\n"
                "class Moon : Planet(1) {\n"
                "    fun circle(p: Planet): Int {\n"
                "        val q = createPlanet()\n"
                "        return p.weight() + q.weight()\n"
                "    }\n"
                "}\n"
            ),
        },
        "defs": ["Planet", "weight", "createPlanet", "Moon", "circle"],
        "refs": [
            ("kotlin/Orbit.kt", "Planet", "inherit"),
            ("kotlin/Orbit.kt", "Planet", "type"),
            ("kotlin/Orbit.kt", "createPlanet", "call"),
            ("kotlin/Orbit.kt", "weight", "call"),
            ("kotlin/Orbit.kt", "space.Planet", "import"),
        ],
        "links": [("kotlin/Orbit.kt", "createPlanet", "kotlin/Planet.kt")],
        "imports": [("kotlin/Orbit.kt", "kotlin/Planet.kt")],
    },
    "scala": {
        "files": {
            "scala/Matrix.scala": (
                "package linalg\n"
                "\n"
                "trait Shape { def rows: Int }\n"
                "\n"
                "class Matrix(val n: Int) extends Shape {\n"
                "  def rows: Int = n\n"
                "}\n"
                "\n"
                "object Matrix {\n"
                "  def identity(n: Int): Matrix = new Matrix(n)\n"
                "}\n"
            ),
            "scala/Solver.scala": (
                "package solve\n"
                "\n"
                "import linalg.Matrix\n"
                "\n"
                "class Solver {\n"
                "  def solve(m: Matrix): Int = {\n"
                "    val i = Matrix.identity(3)\n"
                "    helper(i.rows)\n"
                "  }\n"
                "  def helper(x: Int): Int = x\n"
                "}\n"
            ),
        },
        "defs": ["Shape", "Matrix", "rows", "identity", "Solver", "solve", "helper"],
        "refs": [
            ("scala/Matrix.scala", "Shape", "inherit"),
            ("scala/Solver.scala", "Matrix", "type"),
            ("scala/Solver.scala", "identity", "call"),
            ("scala/Solver.scala", "helper", "call"),
            ("scala/Solver.scala", "linalg.Matrix", "import"),
        ],
        "links": [("scala/Solver.scala", "identity", "scala/Matrix.scala")],
        "imports": [("scala/Solver.scala", "scala/Matrix.scala")],
    },
}
LANGS.update(MORE_LANGS)
