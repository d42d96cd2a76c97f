; References in Haskell. Captures: @call @type @inherit @import

(apply function: (variable) @call)
(apply argument: (variable) @call)
(infix operator: (infix_id (variable) @call))
(apply function: (constructor) @call)
(apply function: (qualified (variable) @call))

(signature (_ (name) @type))
(signature (name) @type)
(function parameter: (name) @type)
(function result: (name) @type)
(data_constructor (prefix field: (name) @type))
(context (apply constructor: (name) @inherit))
(instance name: (name) @inherit)
(deriving (name) @inherit)

(import module: (module) @import)
