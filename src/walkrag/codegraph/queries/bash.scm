; References in Bash. Captures: @call @import

(command name: (command_name (word) @call))

((command name: (command_name (word) @_s) argument: (word) @import) (#any-of? @_s "source" "."))
((command name: (command_name (word) @_s) argument: (string (string_content) @import)) (#any-of? @_s "source" "."))
((command name: (command_name (word) @_s) argument: (raw_string) @import) (#any-of? @_s "source" "."))
