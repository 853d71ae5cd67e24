/// Language identification for short chat text (in progress).
public enum LanguageID {}
