(define (problem blocksworld-p06)
  (:domain blocksworld)
  (:objects b1 b2 b3 b4 - block)
  (:init
    (arm-empty)
    (on-table b3)
    (on b2 b3)
    (clear b2)
    (on-table b4)
    (on b1 b4)
    (clear b1))
  (:goal
    (and
      (on b4 b1)
      (on b2 b4))))
