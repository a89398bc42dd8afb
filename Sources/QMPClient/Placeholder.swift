// Filled in by a later issue; see Package.swift for the role of this module.
