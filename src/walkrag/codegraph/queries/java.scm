; References in Java. Captures: @call @receiver @type @inherit @import

(method_invocation !object name: (identifier) @call)
(method_invocation object: (_) @receiver name: (identifier) @call)
(object_creation_expression type: (type_identifier) @call)
(object_creation_expression type: (generic_type (type_identifier) @call))
(method_reference (_) "::" (identifier) @call)
(marker_annotation name: (identifier) @type)
(annotation name: (identifier) @type)

(superclass (type_identifier) @inherit)
(superclass (generic_type (type_identifier) @inherit))
(super_interfaces (type_list (type_identifier) @inherit))
(super_interfaces (type_list (generic_type (type_identifier) @inherit)))
(extends_interfaces (type_list (type_identifier) @inherit))
(extends_interfaces (type_list (generic_type (type_identifier) @inherit)))

(_ type: (type_identifier) @type)
(generic_type (type_identifier) @type)
(type_arguments (type_identifier) @type)
(array_type element: (type_identifier) @type)
(catch_type (type_identifier) @type)
(throws (type_identifier) @type)
(method_invocation object: (identifier) @type (#match? @type "^[A-Z]"))
(field_access object: (identifier) @type (#match? @type "^[A-Z]"))
(scoped_type_identifier (type_identifier) @type)

(import_declaration (scoped_identifier) @import)
(import_declaration (identifier) @import)
